"""Reports in Telegram: the manager approves before anything reaches the client; /report; hours alerts."""
from __future__ import annotations

import json
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select

from deskbot.bot.render.callbacks import ReportV1
from deskbot.bot.sweeps.reports import ask_managers, tell_hours
from deskbot.dispatch import contracts, reports
from deskbot.storage.models import OutboxMessage, Report, Staff, TimeEntry
from harness.bot_desk import CONFIG, EN, SAM, add_ticket

MARIA = 1006  # a manager; not in the desk's seed


async def with_manager_and_contract(desk, **values) -> None:
    desk.fake.add_user(MARIA, "Maria")
    async with desk.sessions.begin() as s:
        s.add(Staff(telegram_id=MARIA, name="Maria Manager", roles="manager"))
        await s.flush()
        await contracts.save(s, "example.com", {"number": "SUP-1", "start": "2026-01-01", "fee": "1000",
                                                "hours": "10", "overage_rate": "100", "manager": MARIA,
                                                "recipients": "boss@example.com", **values}, desk.clock.now(),
                             name="Example Ltd")
    await add_ticket(desk.sessions, 1, "Printer on fire")
    async with desk.sessions.begin() as s:
        s.add(TimeEntry(ticket_id=1, minutes=90, no_charge=False, recorded_at=desk.clock.now() - timedelta(days=10)))


async def report_mails(desk) -> list[OutboxMessage]:
    async with desk.sessions() as s:
        return list(await s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")))


async def pdf_to_maria(desk):
    async with desk.sessions.begin() as s:
        made = await reports.month_reports(s, CONFIG, EN, desk.clock.now())
        assert await ask_managers(s, made, EN, desk.clock.now()) == 1
    desk.sender.wake()
    return await desk.fake.wait_for_bot_message(MARIA, text_contains="Example Ltd")


async def test_nothing_reaches_the_client_before_the_manager_taps_send(desk):
    await with_manager_and_contract(desk)
    document = await pdf_to_maria(desk)
    assert document.file is not None and document.file.file_name == "report-example.com-2026-02.pdf"
    assert document.file.content.startswith(b"%PDF")
    assert "Example Ltd, February 2026" in document.text and "1 h 30 min" in document.text
    assert [b["text"] for b in document.buttons()] == ["Send to the client", "Hold"]
    assert await report_mails(desk) == []

    [_, hold] = document.button_data()
    answer = await desk.press(MARIA, MARIA, document.message_id, hold)
    assert answer.text == "Held: Example Ltd, February 2026."
    assert [b["text"] for b in desk.fake.message(MARIA, document.message_id).buttons()] == ["Send to the client"]
    assert await report_mails(desk) == []
    desk.pause()

    await desk.press(MARIA, MARIA, document.message_id, document.button_data()[0])
    await desk.fake.wait_for_bot_message(MARIA, text_contains="is on its way to boss@example.com")
    [row] = await report_mails(desk)
    mail = message_from_bytes(json.loads(row.payload)["data"].encode(), policy=default)
    [attachment] = list(mail.iter_attachments())
    assert json.loads(row.payload)["rcpt_to"] == ["boss@example.com"] and row.purpose == "report"
    assert attachment.get_filename() == "report-example.com-2026-02.pdf"
    async with desk.sessions() as s:
        stored = await s.scalar(select(Report))
    assert attachment.get_content() == stored.pdf and stored.status == "sent"
    assert list(desk.fake.message(MARIA, document.message_id).buttons()) == []


async def test_report_command_is_for_managers(desk):
    await with_manager_and_contract(desk)
    refused = await desk.reply_to(SAM, "/report example.com", contains="manager")
    assert refused.text == "Only a manager can ask for reports."
    usage = await desk.reply_to(MARIA, "/report", chat=MARIA, contains="domain")
    assert "/report example.com 2026-10" in usage.text
    missing = await desk.reply_to(MARIA, "/report nowhere.test", chat=MARIA, contains="organization")
    assert missing.text == "No organization has the domain nowhere.test."  # the catalog's words, not the error's
    month = await desk.reply_to(MARIA, "/report example.com 2026-13", chat=MARIA, contains="month")
    assert month.text == "2026-13 is not a month: write it as YYYY-MM, e.g. 2026-10."
    await desk.reply_to(MARIA, "/report example.com 2026-02", chat=MARIA, contains="is on its way")
    document = await desk.fake.wait_for_bot_message(MARIA, text_contains="Example Ltd, February 2026")
    assert document.file.content.startswith(b"%PDF")


async def test_the_manager_hears_when_a_client_passes_80_and_100_percent(desk):
    await with_manager_and_contract(desk, hours="2")
    async with desk.sessions.begin() as s:
        s.add(TimeEntry(ticket_id=1, minutes=100, no_charge=False, recorded_at=desk.clock.now()))
        assert await tell_hours(s, CONFIG, EN, desk.clock.now()) == 1
        assert await tell_hours(s, CONFIG, EN, desk.clock.now()) == 0
    desk.sender.wake()
    alert = await desk.fake.wait_for_bot_message(MARIA, text_contains="Example Ltd")
    assert alert.text == "⚠️ Example Ltd has used 1 h 40 min of its 2 h this month (83 %)."


def test_report_buttons_fit_telegram():
    assert len(ReportV1(report=2**31, action="hold").pack().encode()) <= 64


async def test_a_long_name_and_many_recipients_still_fit_a_caption(desk):
    many = ",".join(f"person{i}@example.com" for i in range(60))
    await with_manager_and_contract(desk, recipients=many)
    async with desk.sessions.begin() as s:
        organization = await reports.organization_of(s, "example.com")
        organization.name = "Example Ltd" + ", a very long name" * 13
    document = await pdf_to_maria(desk)  # the fake refuses a caption over 1,024 characters
    assert len(document.text) <= 1024 and "person0@example.com" in document.text
