"""Telling the person who wrote an answer what became of its e-mail: delivered, retrying, refused.

Called by the e-mail sender (`dispatch.mailout`) in the transaction that records the
outcome, so the notice is queued exactly when the outcome is recorded. A retry is
told once (at the first failure), not at every attempt.
"""
from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.texts import Texts
from deskbot.dispatch import outbox
from deskbot.dispatch.answers import ANSWER
from deskbot.dispatch.mailout import FAILED, RETRYING, SENT
from deskbot.storage.models import OutboxMessage

_TEXTS = {SENT: "answer-sent", RETRYING: "answer-retrying", FAILED: "answer-failed"}
NOTICE = "mail-notice"  # the outbox purpose of these Telegram messages


def mail_outcome_notifier(texts: Texts, clock):
    async def notify(session: AsyncSession, row: OutboxMessage, outcome: str, error: str | None) -> None:
        payload = json.loads(row.payload)
        chat = payload.get("notify_chat")
        if row.purpose != ANSWER or chat is None or (outcome == RETRYING and row.attempts > 1):
            return
        text = texts.t(_TEXTS[outcome], number=row.ticket_id or 0, customer=", ".join(payload["rcpt_to"]),
                       reason=error or "")
        outbox.send_message(session, chat_id=chat, text=text, purpose=NOTICE, ticket_id=row.ticket_id,
                            now=clock.now())
    return notify
