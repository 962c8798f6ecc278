"""A ticket's card, drawn from what `dispatch.cards` read: the mail (`Texts.card`) and one line per thing
that happened to the ticket (assigned by whom to whom and when, taken, waiting, closed).

The same card everywhere: the dispatcher chat's, the assignee's (with a header and their
buttons), a colleague's request for help.
"""
from __future__ import annotations

from datetime import datetime, tzinfo

from aiogram.types import InlineKeyboardMarkup

from deskbot.bot.render import keyboards
from deskbot.bot.render import rules as rule_words
from deskbot.bot.render.texts import Safe, Texts, cut
from deskbot.dispatch import rules
from deskbot.dispatch.cards import History, TicketCard
from deskbot.dispatch.rules import Status
from deskbot.storage.models import Staff, Ticket

QUESTION_CHARS = 1500  # of a request for help, under the ticket's card (the whole is a note on the ticket)


def dispatcher_card(mail: TicketCard, history: History, texts: Texts, zone: tzinfo, *,
                    extra: Safe | None = None) -> Safe:
    return texts.card(mail, footer=_lines(*history_lines(history, texts, zone), extra))


def assignee_card(mail: TicketCard, history: History, texts: Texts, zone: tzinfo, *,
                  extra: Safe | None = None) -> Safe:
    if history.assigned_how and not history.assigned_by_rule:
        header = texts.t("assigned-to-you-auto", why=why_assigned(history.assigned_how, texts))
    elif history.assigned_by:
        header = texts.t("assigned-to-you", dispatcher=history.assigned_by)
    else:
        header = texts.t("assigned-to-you-by-rule", rule=history.assigned_by_rule) if history.assigned_by_rule else None
    return texts.card(mail, header=header, footer=_lines(*history_lines(history, texts, zone), extra))


def history_lines(history: History, texts: Texts, zone: tzinfo) -> list[Safe]:
    h, t = history, texts
    lines = [rule_words.card_line(t, line) for line in h.rules]
    if h.assignee and h.assigned_at and h.assigned_how and not h.assigned_by_rule:
        lines.append(t.t("card-auto-assigned", assignee=h.assignee, time=_local(h.assigned_at, zone, "%H:%M"),
                         why=why_assigned(h.assigned_how, t)))
    if h.assignee and h.assigned_at and h.assigned_by_rule and not h.assigned_by:
        lines.append(t.t("card-assigned-by-rule", rule=h.assigned_by_rule, assignee=h.assignee,
                         time=_local(h.assigned_at, zone, "%H:%M")))
    elif h.assignee and h.assigned_at:
        lines.append(t.t("card-assigned", dispatcher=h.assigned_by or "?", assignee=h.assignee,
                         time=_local(h.assigned_at, zone, "%H:%M")))
    if h.assignee and h.taken_at:
        lines.append(t.t("card-taken", assignee=h.assignee))
    if h.status == Status.WAITING and h.waiting_since:
        lines.append(t.t("card-waiting", since=_local(h.waiting_since, zone, "%d.%m %H:%M")))
    if h.status == Status.CLOSED:
        if h.closed_by is None:  # nobody pressed Close: the customer stayed silent
            lines.append(t.t("card-autoclosed"))
        else:
            lines.append(t.t("card-closed-no-charge", who=h.closed_by) if h.no_charge else
                         t.t("card-closed", who=h.closed_by, time_spent=t.duration(h.time_spent_minutes)))
    return lines


def why_assigned(how: str, texts: Texts) -> str:
    """"round robin", "fewest open tickets"; a way the catalog does not name yet, in its own words."""
    try:
        return texts.plain(f"assign-why-{how}")
    except KeyError:
        return how.replace("_", " ")


def unassigned(texts: Texts) -> Safe:
    """The status line of a ticket that waits for someone to assign it."""
    return texts.t("card-status", status=texts.plain("status-new"), assignee=texts.plain("nobody"))


def actions(ticket: Ticket, viewer: Staff | None, texts: Texts) -> InlineKeyboardMarkup | None:
    """Take, Close, Reassign: for the assignee of an open ticket only."""
    if viewer is None or ticket.status not in rules.OPEN or ticket.assignee_id != viewer.id:
        return None
    return keyboards.assignee_actions(ticket.id, texts, taken=ticket.status != Status.ASSIGNED,
                                      waiting=ticket.status == Status.WAITING)


def help_request(mail: TicketCard, writer: str, question: str, texts: Texts) -> Safe:
    """A colleague's question, under the ticket's card."""
    return texts.card(mail, header=texts.t("help-request", who=writer, number=mail.number),
                      footer=texts.t("help-question", question=cut(question, QUESTION_CHARS)))


def note(number: int, subject: str | None, writer: str, body: str, texts: Texts) -> Safe:
    """An internal note, forwarded to the ticket's other people."""
    return texts.with_body(texts.t("note-forwarded", who=writer, number=number,
                                   subject=(subject or "").strip()[:200]), body)


def sent_back(mail: TicketCard, texts: Texts) -> Safe:
    """What the assignee who pressed Reassign sees instead of their card."""
    return texts.card(mail, footer=texts.t("reassigned", number=mail.number))


def _local(moment: datetime, zone: tzinfo, form: str) -> str:
    return moment.astimezone(zone).strftime(form)


def _lines(*lines: Safe | None) -> Safe | None:
    kept = [line for line in lines if line]
    return Safe("\n".join(kept)) if kept else None
