"""What became of an answer's e-mail (delivered, retrying, refused), told to the person who wrote it.

The notice is queued by the e-mail sender (`dispatch.mailout`) in the transaction that
records the outcome, so it is queued exactly when the outcome is recorded. A retry is told once
(at the first failure), not at every attempt. The words: `bot/render/mail.py`.
"""
from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render.mail import answer_outcome
from deskbot.bot.render.texts import Texts
from deskbot.dispatch import outbox
from deskbot.dispatch.answers import ANSWER
from deskbot.dispatch.mailout import RETRYING
from deskbot.mailbox.failures import Failure
from deskbot.storage.models import OutboxMessage

NOTICE = "mail-notice"  # the outbox purpose of these Telegram messages


def mail_outcome_notifier(texts: Texts, clock):
    async def notify(session: AsyncSession, row: OutboxMessage, outcome: str, failure: Failure | None) -> None:
        payload = json.loads(row.payload)
        chat = payload.get("notify_chat")
        if row.purpose != ANSWER or chat is None or (outcome == RETRYING and row.attempts > 1):
            return
        text = answer_outcome(texts, row.ticket_id or 0, ", ".join(payload["rcpt_to"]), outcome, failure)
        outbox.send_message(session, chat_id=chat, text=text, purpose=NOTICE, ticket_id=row.ticket_id,
                            now=clock.now())
    return notify
