"""Telling people about mail: what became of an answer's e-mail (delivered, retrying, refused), and
the mail servers' incidents in the dispatcher chat. In the catalog's words: never an exception
or a server's raw reply (those are in the log).

The outcome notice is queued by the e-mail sender (`dispatch.mailout`) in the transaction that
records the outcome, so it is queued exactly when the outcome is recorded. A retry is told once
(at the first failure), not at every attempt.
"""
from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render.texts import Safe, Texts
from deskbot.dispatch import outbox
from deskbot.dispatch.answers import ANSWER
from deskbot.dispatch.incidents import DOWN, Notice, level_of
from deskbot.dispatch.mailout import FAILED, RETRYING, SENT
from deskbot.mailbox.failures import Failure, Kind
from deskbot.storage.models import OutboxMessage

NOTICE = "mail-notice"  # the outbox purpose of these Telegram messages
_REFUSED_WITH_ADVICE = {Kind.RECIPIENT: "answer-failed-recipient", Kind.TOO_BIG: "answer-failed-too-big"}


def problem(texts: Texts, failure: Failure, recipients: str = "") -> str:
    """What went wrong, as plain words for the middle of a sentence ("the mail server could not be reached").
    `recipients`: the address to name when the server refused one without saying which (at DATA)."""
    return texts.plain(f"mail-problem-{failure.kind.value}", address=failure.address or recipients or "?")


def mail_outcome_notifier(texts: Texts, clock):
    async def notify(session: AsyncSession, row: OutboxMessage, outcome: str, failure: Failure | None) -> None:
        payload = json.loads(row.payload)
        chat = payload.get("notify_chat")
        if row.purpose != ANSWER or chat is None or (outcome == RETRYING and row.attempts > 1):
            return
        number, customer = row.ticket_id or 0, ", ".join(payload["rcpt_to"])
        if outcome == SENT or failure is None:
            text = texts.t("answer-sent", number=number, customer=customer)
        elif outcome == FAILED:
            text = texts.t(_REFUSED_WITH_ADVICE.get(failure.kind, "answer-failed"), number=number,
                           problem=problem(texts, failure, customer))
        else:
            text = texts.t("answer-retrying", number=number, problem=problem(texts, failure, customer))
        outbox.send_message(session, chat_id=chat, text=text, purpose=NOTICE, ticket_id=row.ticket_id,
                            now=clock.now())
    return notify


def incident_text(texts: Texts, notice: Notice) -> str:
    """The dispatcher chat's notice that a mail server's incident began or ended (`dispatch.incidents`)."""
    lasted = texts.age(notice.lasted) if notice.lasted.total_seconds() >= 60 else texts.duration(1)
    if notice.failure is None:
        return texts.t(f"incident-recovered-{notice.server}", account=notice.account, lasted=lasted)
    level = level_of(notice.failure.kind)
    key = f"incident-{notice.server}" + ("-down" if level == DOWN else "")
    text = texts.t(key, account=notice.account, problem=problem(texts, notice.failure), lasted=lasted)
    if level != DOWN:
        text = Safe(f"{text}\n{texts.t(f'incident-fix-{notice.server}-{level}')}")
    return text
