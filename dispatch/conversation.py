"""A ticket's whole conversation, oldest first: the customer's mail, our answers, the internal notes.

Read as stored: the bot pages it (`bot/render/conversation.py`) without trimming quotes or signatures.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.storage.models import Message


@dataclass(frozen=True, slots=True)
class Entry:
    direction: str  # in | out | note
    who: str
    at: datetime
    body: str
    auto: bool = False  # automatic mail: an auto-reply, our acknowledgement


async def entries(session: AsyncSession, number: int) -> list[Entry]:
    rows = await session.execute(
        select(Message.direction, Message.sender_name, Message.sender_email, Message.body, Message.auto,
               Message.created_at).where(Message.ticket_id == number).order_by(Message.id))
    return [Entry(direction, (name or "").strip() or email or "?", at, body or "", auto is not None)
            for direction, name, email, body, auto, at in rows]
