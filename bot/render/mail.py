"""Mail's troubles in the catalog's words: what became of an answer's e-mail, and the mail servers' incidents.

Never an exception or a server's raw reply (those are in the log).
"""
from __future__ import annotations

from deskbot.bot.render.texts import Safe, Texts
from deskbot.dispatch.incidents import DOWN, Notice, level_of
from deskbot.dispatch.mailout import FAILED, SENT
from deskbot.mailbox.failures import Failure, Kind

_REFUSED_WITH_ADVICE = {Kind.RECIPIENT: "answer-failed-recipient", Kind.TOO_BIG: "answer-failed-too-big"}


def problem(texts: Texts, failure: Failure, recipients: str = "") -> str:
    """What went wrong, as plain words for the middle of a sentence ("the mail server could not be reached").
    `recipients`: the address to name when the server refused one without saying which (at DATA)."""
    return texts.plain(f"mail-problem-{failure.kind.value}", address=failure.address or recipients or "?")


def answer_outcome(texts: Texts, number: int, customer: str, outcome: str, failure: Failure | None) -> Safe:
    """Delivered, refused (with advice where there is some), or being retried."""
    if outcome == SENT or failure is None:
        return texts.t("answer-sent", number=number, customer=customer)
    if outcome == FAILED:
        return texts.t(_REFUSED_WITH_ADVICE.get(failure.kind, "answer-failed"), number=number,
                       problem=problem(texts, failure, customer))
    return texts.t("answer-retrying", number=number, problem=problem(texts, failure, customer))


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
