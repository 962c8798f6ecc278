"""A client's tariff change request reaches the contract's manager in Telegram, who marks it answered."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from deskbot.bot.render import tariffs as shown
from deskbot.dispatch import contracts, tariffs
from deskbot.storage.models import Contract, Customer, Staff, TariffRequest, TimeEntry
from harness.bot_desk import CONFIG, EN, add_ticket

MARIA = 1006  # a manager; not in the desk's seed


async def test_the_manager_gets_the_request_with_the_figures_and_marks_it_answered(desk):
    desk.fake.add_user(MARIA, "Maria")
    async with desk.sessions.begin() as s:
        s.add(Staff(telegram_id=MARIA, name="Maria Manager", roles="manager"))
        await s.flush()
        await contracts.save(s, "example.com", {"number": "SUP-1", "start": "2026-01-01", "fee": "1000", "hours": "10",
                                                "overage_rate": "100", "manager": MARIA}, desk.clock.now(),
                             name="Example Ltd")
    await add_ticket(desk.sessions, 1, "Printer on fire")
    async with desk.sessions.begin() as s:
        s.add(TimeEntry(ticket_id=1, minutes=90, no_charge=False, recorded_at=desk.clock.now() - timedelta(minutes=5)))
    async with desk.sessions.begin() as s:
        contract = await s.scalar(select(Contract).where(Contract.number == "SUP-1"))
        customer = await s.scalar(select(Customer.id).where(Customer.organization_id == contract.organization_id))
        request = await tariffs.ask(s, CONFIG, contract, customer, "Boss", "fewer_hours", "half, please",
                                    desk.clock.now(), lambda notice: shown.message(notice, EN))
        request_id = request.id
    desk.sender.wake()
    told = await desk.fake.wait_for_bot_message(MARIA, text_contains="Example Ltd")
    assert "Fewer hours" in told.text and "1.50 h used, 8.50 h left" in told.text and "half, please" in told.text
    assert [b["text"] for b in told.buttons()] == ["✅ Answered"]

    [button] = told.button_data()
    answer = await desk.press(MARIA, MARIA, told.message_id, button)
    assert answer.text == "Marked answered: the client's cabinet shows it."
    await desk.fake.wait_for(lambda: not list(desk.fake.message(MARIA, told.message_id).buttons()), what="button gone")
    async with desk.sessions() as s:
        assert await s.scalar(select(TariffRequest.status).where(TariffRequest.id == request_id)) == tariffs.ANSWERED
