"""The outbox: every Telegram message and every e-mail is first a row here.

`enqueue` adds the row in the caller's session, so a ticket change and its
notification commit together or not at all; after the commit the caller wakes
the sender (`bot.delivery.TelegramSender.wake`, `dispatch.mailout.MailSender.wake`);
one loop (`dispatch.drain`) drains both, Telegram's within its limits, oldest first in each chat.

A payload holds the Bot API method's parameters as JSON (text, parse_mode,
reply_markup as a dict), without chat_id, which is a column. An edit of a
ticket's card names no message: the sender looks it up in `telegram_messages`
when it sends the edit, since the card may still be waiting in the outbox when
the edit is queued; the chat's order makes the card go first.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from deskbot.dispatch.rules import Status
from deskbot.storage.models import OutboxMessage, OutboxStatus, TelegramMessage, Ticket

TELEGRAM, EMAIL = "telegram", "email"
SMTP = "smtp"  # the method of an e-mail row
ACK = "ack"  # an e-mail's purpose: the automatic acknowledgement of a new ticket
CARD = "card"  # the message that shows a ticket, with its buttons; edited as the ticket changes
NAG = "nag"  # a reminder card, with the same buttons; the latest of a ticket's in a chat is remembered
HELP = "help"  # a colleague's request for help on a ticket: a Telegram reply to it is a note
REMEMBERED = frozenset({CARD, NAG, HELP})

# answerCallbackQuery is never queued: a tap must be answered within seconds, by its handler.
METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage",
                     "sendDocument"})  # a stored report's PDF: the payload names the report


def enqueue(session: AsyncSession, *, chat_id: int, method: str, payload: dict[str, Any], purpose: str,
            ticket_id: int | None = None, now: datetime) -> OutboxMessage:
    """Queue one Bot API call in the caller's transaction; it leaves when that commits."""
    if method not in METHODS:
        raise ValueError(f"{method!r} is not sent through the outbox")
    if "chat_id" in payload:
        raise ValueError("chat_id is a column, not part of the payload")
    return _add(session, TELEGRAM, chat_id, method, payload, purpose, ticket_id, now)


def _add(session: AsyncSession, channel: str, chat_id: int | None, method: str, payload: dict[str, Any],
         purpose: str, ticket_id: int | None, now: datetime) -> OutboxMessage:
    row = OutboxMessage(
        channel=channel, chat_id=chat_id, method=method, purpose=purpose, ticket_id=ticket_id,
        payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now,
    )
    session.add(row)
    return row


def send_message(session: AsyncSession, *, chat_id: int, text: str, purpose: str, now: datetime,
                 ticket_id: int | None = None, reply_markup: Any = None,
                 parse_mode: str | None = "HTML", reply_to: int | None = None) -> OutboxMessage:
    """Queue a new message. With purpose "card" the sender remembers which message shows the ticket.

    `reply_to`: a message of the chat this one answers (sent all the same if it was deleted).
    """
    if purpose == CARD and ticket_id is None:
        raise ValueError("a card belongs to a ticket")
    payload = _text_payload(text, parse_mode, reply_markup)
    if reply_to is not None:
        payload["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
    return enqueue(session, chat_id=chat_id, method="sendMessage", purpose=purpose, ticket_id=ticket_id,
                   payload=payload, now=now)


def edit_card(session: AsyncSession, *, ticket_id: int, chat_id: int, text: str, reply_markup: Any,
              now: datetime, parse_mode: str | None = "HTML") -> OutboxMessage:
    """Queue an edit of the ticket's card in `chat_id`, wherever that message turns out to be.

    `reply_markup=None` removes the buttons, as in Telegram: repeat them to keep them.
    """
    return enqueue(session, chat_id=chat_id, method="editMessageText", purpose=CARD, ticket_id=ticket_id,
                   payload=_text_payload(text, parse_mode, reply_markup), now=now)


def _text_payload(text: str, parse_mode: str | None, reply_markup: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text}
    if parse_mode:
        payload["parse_mode"] = parse_mode
    if reply_markup is not None:
        # aiogram's markup objects are accepted too; what is stored is the plain Bot API JSON.
        if hasattr(reply_markup, "model_dump"):
            reply_markup = reply_markup.model_dump(mode="json", exclude_none=True)
        payload["reply_markup"] = reply_markup
    return payload


def send_mail(session: AsyncSession, *, mail_from: str, rcpt_to: list[str], data: bytes, purpose: str,
              now: datetime, ticket_id: int | None = None, message: int | None = None,
              notify_chat: int | None = None) -> OutboxMessage:
    """Queue one composed e-mail (its bytes as they will leave) in the caller's transaction.

    `message`: the ticket's stored copy (messages.id), stamped `sent_at` when it leaves;
    `notify_chat`: whom to tell in Telegram that it left, or that it did not.
    """
    payload: dict[str, Any] = {"mail_from": mail_from, "rcpt_to": rcpt_to, "data": data.decode("ascii")}
    if message is not None:
        payload["message"] = message
    if notify_chat is not None:
        payload["notify_chat"] = notify_chat
    return _add(session, EMAIL, None, SMTP, payload, purpose, ticket_id, now)


async def due_mail(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Ids of the e-mails due now, oldest first."""
    return list(await session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now,
               OutboxMessage.channel == EMAIL)
        .order_by(OutboxMessage.id).limit(limit)
    ))


async def next_mail_due_at(session: AsyncSession, *, now: datetime) -> datetime | None:
    return await session.scalar(
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at > now,
               OutboxMessage.channel == EMAIL)
        .order_by(OutboxMessage.next_attempt_at).limit(1)
    )


async def backlog(session: AsyncSession, *, now: datetime) -> dict[str, tuple[int, float]]:
    """channel -> (rows waiting to leave, seconds the oldest has waited): /metrics, in one query over
    the (status, next_attempt_at) index's pending rows."""
    rows = await session.execute(
        select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status == OutboxStatus.PENDING).group_by(OutboxMessage.channel))
    return {channel: (count, max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
            for channel, count, oldest in rows}


# -- what the sender reads ------------------------------------------------------------------


def _first_in_chat():
    """Rows with no earlier pending row in their chat: a chat's later row never overtakes.

    Ids come from one sequence; two transactions queueing into one chat at the
    same moment may commit out of id order, but then neither came first.
    """
    earlier = aliased(OutboxMessage)
    return ~select(earlier.id).where(
        earlier.status == OutboxStatus.PENDING, earlier.chat_id == OutboxMessage.chat_id, earlier.id < OutboxMessage.id,
    ).exists()


async def due(session: AsyncSession, *, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(row id, chat id) of the first waiting message of each chat that is due, oldest first."""
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.chat_id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now,
               OutboxMessage.channel == TELEGRAM, _first_in_chat())
        .order_by(OutboxMessage.id).limit(limit)
    )
    return [(row_id, chat_id) for row_id, chat_id in rows]


async def next_due_at(session: AsyncSession, *, now: datetime) -> datetime | None:
    """When the next chat's first waiting message becomes due, if one is waiting for a later time."""
    return await session.scalar(
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at > now,
               OutboxMessage.channel == TELEGRAM, _first_in_chat())
        .order_by(OutboxMessage.next_attempt_at).limit(1)
    )


async def claim(session: AsyncSession, row_id: int) -> OutboxMessage | None:
    """The row, locked until the session's transaction ends, if it still waits and no other sender has it.

    PostgreSQL: FOR UPDATE SKIP LOCKED. SQLite ignores the clause: one sender per database file.
    """
    return await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.PENDING)
        .with_for_update(skip_locked=True)
    )


async def card_message_id(session: AsyncSession, *, ticket_id: int, chat_id: int,
                          purpose: str = CARD) -> int | None:
    return await session.scalar(
        select(TelegramMessage.message_id).where(
            TelegramMessage.ticket_id == ticket_id, TelegramMessage.chat_id == chat_id,
            TelegramMessage.purpose == purpose,
        )
    )


async def remember_card(session: AsyncSession, *, ticket_id: int, chat_id: int, message_id: int,
                        now: datetime, purpose: str = CARD) -> None:
    """The card (or reminder) of `ticket_id` in `chat_id` is now `message_id`: a newer one replaces the old."""
    if purpose not in REMEMBERED:
        raise ValueError(f"{purpose!r} messages are not remembered")
    known = await session.scalar(
        select(TelegramMessage).where(
            TelegramMessage.ticket_id == ticket_id, TelegramMessage.chat_id == chat_id,
            TelegramMessage.purpose == purpose,
        )
    )
    if known is None:
        session.add(TelegramMessage(ticket_id=ticket_id, chat_id=chat_id, message_id=message_id,
                                    purpose=purpose, created_at=now))
    else:
        known.message_id, known.created_at = message_id, now


async def retire_reminder(session: AsyncSession, *, ticket_id: int, chat_id: int, now: datetime,
                          keep: int | None = None) -> None:
    """The ticket's last reminder card in `chat_id` loses its buttons, and one still queued is not sent.

    `keep`: the message the person tapped, which its handler edits itself.
    """
    # First the queued ones: on PostgreSQL this waits for a reminder a sender holds in flight, so that
    # the card lookup below sees it once sent (SQLite: `card_sent` catches that case).
    await session.execute(update(OutboxMessage).where(
        OutboxMessage.ticket_id == ticket_id, OutboxMessage.chat_id == chat_id, OutboxMessage.purpose == NAG,
        OutboxMessage.method == "sendMessage", OutboxMessage.status == OutboxStatus.PENDING,
    ).values(status=OutboxStatus.DROPPED, last_error="the ticket was assigned before the reminder left"))
    message_id = await card_message_id(session, ticket_id=ticket_id, chat_id=chat_id, purpose=NAG)
    if message_id is not None and message_id != keep:
        enqueue(session, chat_id=chat_id, method="editMessageReplyMarkup", payload={"message_id": message_id},
                purpose=NAG, ticket_id=ticket_id, now=now)
    await session.execute(delete(TelegramMessage).where(
        TelegramMessage.ticket_id == ticket_id, TelegramMessage.chat_id == chat_id, TelegramMessage.purpose == NAG))


async def card_sent(session: AsyncSession, *, ticket_id: int, chat_id: int, message_id: int, now: datetime,
                    purpose: str) -> None:
    """A card or reminder has left: remembered. Only the newest reminder keeps its buttons: an older one
    still remembered (it was on its way when the new one was queued) loses them now, and so does this
    one if its ticket was assigned while it was on its way (after the assignment looked for it)."""
    if purpose == NAG:
        older = await card_message_id(session, ticket_id=ticket_id, chat_id=chat_id, purpose=NAG)
        if older is not None and older != message_id:
            enqueue(session, chat_id=chat_id, method="editMessageReplyMarkup", payload={"message_id": older},
                    purpose=NAG, ticket_id=ticket_id, now=now)
    await remember_card(session, ticket_id=ticket_id, chat_id=chat_id, message_id=message_id, now=now,
                        purpose=purpose)
    if purpose == NAG and await session.scalar(select(Ticket.status).where(Ticket.id == ticket_id)) != Status.NEW:
        await retire_reminder(session, ticket_id=ticket_id, chat_id=chat_id, now=now)


# -- which ticket a message of ours is about --------------------------------------------------


def record_sent(session: AsyncSession, *, chat_id: int, method: str, payload: dict[str, Any], purpose: str,
                ticket_id: int, message_id: int, now: datetime) -> OutboxMessage:
    """A message about a ticket that went out at once, not through the outbox (a /ticket view, a page of
    the conversation): kept as a sent row all the same, so that a reply to it is known to be about the ticket."""
    row = enqueue(session, chat_id=chat_id, method=method, payload=payload, purpose=purpose, ticket_id=ticket_id,
                  now=now)
    row.status, row.sent_at, row.telegram_message_id = OutboxStatus.SENT, now, message_id
    return row


async def ticket_shown(session: AsyncSession, *, chat_id: int, message_id: int) -> tuple[int, str] | None:
    """(the ticket, the purpose) of the bot's message `message_id` in `chat_id`, or None: a message about no ticket.

    The remembered cards first, then every row that sent or edited that message: each
    row of a ticket's message carries its ticket (a card, a customer's reply, a note, a
    reminder, a notice, a /ticket view). (status, chat_id) is an index: only the rows
    of one chat are read.
    """
    found = (await session.execute(
        select(TelegramMessage.ticket_id, TelegramMessage.purpose)
        .where(TelegramMessage.chat_id == chat_id, TelegramMessage.message_id == message_id).limit(1)
    )).first()
    if found is None:
        found = (await session.execute(
            select(OutboxMessage.ticket_id, OutboxMessage.purpose)
            .where(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.chat_id == chat_id,
                   OutboxMessage.telegram_message_id == message_id, OutboxMessage.ticket_id.is_not(None))
            .order_by(OutboxMessage.id.desc()).limit(1)  # newest first: people reply to recent messages
        )).first()
    return None if found is None else (found[0], found[1])
