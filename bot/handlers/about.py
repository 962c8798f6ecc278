"""Which ticket a message of ours is about: what a Telegram reply to it acts on.

One question, one answer for every handler: a reply to a ticket's card, to a customer's
reply forwarded to the assignee, to a note, a reminder, a notice or a page of the
conversation acts on that ticket, whatever prompt waits for typed input meanwhile.
The database says which ticket (`dispatch.outbox.ticket_shown`: every message about a
ticket is a row with its ticket and its Telegram message id); the buttons' callback data
covers what it cannot know: a /ticket view sent before views were recorded, or a card
whose row is not yet committed. Visible text is never read for a number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.notify import NOTE
from deskbot.dispatch import outbox
from deskbot.telemetry.context import concerning

# Our buttons carry the ticket number first ("t1:42:close"). Not "e1" (whom to ask) nor "h2" (a helper's
# time): a reply to those questions is their answer, never mail to the customer.
_TICKET_BUTTON = re.compile(r"^(?:t1|d1|a2|b1|m1|h1|c1):(\d+):")
_NOTE_BUTTON = re.compile(r"^h1:\d+:note$")
_NOTE_PURPOSES = frozenset({outbox.HELP, NOTE})  # a request for help, a forwarded note


@dataclass(frozen=True, slots=True)
class About:
    ticket: int
    note: bool  # a request for help or a note: a text reply to it is a note, never mail to the customer


async def replied_about(session: AsyncSession, message: Message) -> About | None:
    """What the message `message` replies to is about; None when it replies to nothing, or to no ticket's message."""
    found = await _about(session, message)
    if found is not None:
        concerning(found.ticket)  # the rest of this update's lines name the ticket
    return found


async def _about(session: AsyncSession, message: Message) -> About | None:
    replied = message.reply_to_message
    if replied is None:
        return None
    shown = await outbox.ticket_shown(session, chat_id=message.chat.id, message_id=replied.message_id)
    buttons = _buttons(replied) if replied.from_user is not None and replied.from_user.is_bot else []
    note = any(_NOTE_BUTTON.match(data) for data in buttons)
    if shown is not None:
        ticket, purpose = shown
        return About(ticket, note or purpose in _NOTE_PURPOSES)
    for data in buttons:  # our own message, so trusted as far as a number goes; the action checks the person
        found = _TICKET_BUTTON.match(data)
        if found:
            return About(int(found.group(1)), note)
    return None


def _buttons(replied: Message) -> list[str]:
    markup = replied.reply_markup
    return [button.callback_data or "" for row in (markup.inline_keyboard if markup else ()) for button in row]
