"""Waiting for the customer, the auto-close of a silent one, and nudges about stale work."""
from __future__ import annotations

import json
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select, update

from deskbot.bot.notify import Notifier
from deskbot.bot.render.callbacks import TicketActionV1
from deskbot.bot.sweeps.stale import nudge_stale
from deskbot.dispatch.config import Config
from deskbot.dispatch.waiting import autoclose_due
from deskbot.storage.models import Message, OutboxMessage, Ticket, TicketEvent, TimeEntry
from harness.bot_desk import CONFIG, DISPATCHERS, EN, SAM, assigned, labels, shows

WAIT, RESUME = (TicketActionV1(ticket=1, action=a).pack() for a in ("wait", "resume"))
WITH_SMTP = CONFIG.model_copy(update={"smtp": CONFIG.smtp.model_copy(update={
    "host": "smtp.test", "from_address": "Acme Support <support@desk.test>"})})


async def waiting(desk):
    """Ticket 1, assigned to Sam, who marks it as waiting for the customer; his private card."""
    card, private = await assigned(desk)
    async with desk.sessions.begin() as s:  # the customer's mail, as ingest stores it
        await s.execute(update(Message).where(Message.ticket_id == 1).values(message_id="first@example.com"))
    answer = await desk.press(SAM, SAM, private.message_id, WAIT)
    assert answer.text == "⏳ #1 waits for the customer; it closes by itself after 3 d of silence."
    desk.pause()
    return card, private


async def events(desk) -> list[tuple[str, int | None]]:
    async with desk.sessions() as s:
        return [(e.kind, e.staff_id) for e in await s.scalars(select(TicketEvent).order_by(TicketEvent.id))]


async def test_wait_then_back_in_work(desk):
    card, private = await waiting(desk)
    assert "⏳ Waiting for the customer since 02.03 12:00" in desk.fake.message(SAM, private.message_id).text
    assert labels(desk.fake.message(SAM, private.message_id)) == [
        "Answer", "Ask a colleague", "Back in work", "Close", "Reassign"]
    await desk.until(shows(desk, DISPATCHERS, card.message_id, "Waiting for the customer"), "the dispatcher card")
    assert (await desk.ticket(1)).status == "waiting"

    answer = await desk.press(SAM, SAM, private.message_id, RESUME)
    assert answer.text == "🛠 #1 is back in work."
    ticket = await desk.ticket(1)
    assert (ticket.status, ticket.waiting_since) == ("in_progress", None)
    assert [kind for kind, _ in await events(desk)] == ["assigned", "waiting", "resumed"]


async def set_ticket(desk, **values) -> None:
    async with desk.sessions.begin() as s:
        await s.execute(update(Ticket).where(Ticket.id == 1).values(**values))


async def autoclose(desk, config: Config, *, waited: timedelta | None = None) -> int:
    """The sweep now, the ticket having waited `waited` (the clock the sender and the fake share stays put)."""
    if waited is not None:
        await set_ticket(desk, waiting_since=desk.clock.now() - waited)
    async with desk.sessions.begin() as s:
        closed = await autoclose_due(s, config, EN, desk.clock.now(), Notifier(config, EN).auto_closed)
    desk.sender.wake()
    return closed


async def test_silence_closes_the_ticket_with_a_polite_mail_and_asks_no_time(desk):
    card, private = await waiting(desk)
    assert await autoclose(desk, WITH_SMTP, waited=timedelta(days=3) - timedelta(minutes=1)) == 0
    assert await autoclose(desk, WITH_SMTP, waited=timedelta(days=3)) == 1
    assert await autoclose(desk, WITH_SMTP) == 0  # closed once

    ticket = await desk.ticket(1)
    assert (ticket.status, ticket.waiting_since, ticket.time_spent_minutes) == ("closed", None, None)
    assert (await events(desk))[-1] == ("closed", None)
    async with desk.sessions() as s:
        assert list(await s.scalars(select(TimeEntry))) == []
        [row] = await s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email"))
    mail = message_from_bytes(json.loads(row.payload)["data"].encode(), policy=default)
    assert (row.purpose, json.loads(row.payload)["rcpt_to"]) == ("autoclose", ["ann@example.com"])
    assert mail["Subject"].endswith(" [#1]") and mail["In-Reply-To"] == "<first@example.com>"
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body(("plain",)).get_content()
    assert "for 3 d, so we have closed it" in text and "just reply to this e-mail" in text

    notice = await desk.fake.wait_for_bot_message(SAM, text_contains="closed by itself")
    assert notice.reply_to_message_id == private.message_id
    await desk.until(shows(desk, SAM, private.message_id, "Closed by itself: the customer did not reply"),
                     "the private card redrawn")
    await desk.until(shows(desk, DISPATCHERS, card.message_id, "Closed by itself"), "the dispatcher card redrawn")
    assert labels(desk.fake.message(SAM, private.message_id)) == []


async def test_auto_close_off_and_without_smtp(desk):
    await waiting(desk)
    off = CONFIG.model_copy(update={"dispatch": CONFIG.dispatch.model_copy(update={"autoclose_after": None})})
    assert await autoclose(desk, off, waited=timedelta(days=30)) == 0
    assert await autoclose(desk, CONFIG) == 1  # no SMTP: closed, no mail queued
    async with desk.sessions() as s:
        assert list(await s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email"))) == []


async def nudge(desk, *, quiet: timedelta, nudged: timedelta | None = None) -> int:
    """The sweep now, the ticket untouched for `quiet` and nudged `nudged` ago."""
    now = desk.clock.now()
    await set_ticket(desk, updated_at=now - quiet, nudged_at=None if nudged is None else now - nudged)
    async with desk.sessions.begin() as s:
        nudged = await nudge_stale(s, CONFIG, EN, now)
    desk.sender.wake()
    return nudged


async def test_stale_work_nudges_its_assignee_once_a_period(desk):
    _, private = await assigned(desk)
    assert await nudge(desk, quiet=timedelta(hours=23)) == 0
    assert await nudge(desk, quiet=timedelta(days=1)) == 1
    nudged = await desk.fake.wait_for_bot_message(SAM, text_contains="has had no activity for 1 d")
    assert nudged.reply_to_message_id == private.message_id and "Take" in labels(nudged)
    assert (await desk.ticket(1)).nudged_at is not None
    assert await nudge(desk, quiet=timedelta(days=1, hours=12), nudged=timedelta(hours=12)) == 0  # once a period
    assert await nudge(desk, quiet=timedelta(days=2), nudged=timedelta(days=1)) == 1
    await desk.fake.wait_for_bot_message(SAM, text_contains="has had no activity for 2 d")


async def test_a_waiting_or_touched_ticket_is_not_stale(desk):
    await waiting(desk)
    assert await nudge(desk, quiet=timedelta(days=2)) == 0
    await set_ticket(desk, status="in_progress", waiting_since=None)
    assert await nudge(desk, quiet=timedelta(hours=23)) == 0
