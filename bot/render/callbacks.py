"""What a button press carries. Versioned prefixes, so that old buttons in chats are recognised.

Callback data comes from the client: a handler re-reads the ticket and the person from
the database and checks role and state there; these numbers grant nothing by themselves.
Telegram allows 64 bytes: every factory here stays far below (tested).
"""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class DepartmentV1(CallbackData, prefix="d1"):
    """The dispatcher picked a department: show its people."""

    ticket: int
    department: int


class AssignV2(CallbackData, prefix="a2"):
    """The dispatcher picked a person of a department: assign, and record the department."""

    ticket: int
    department: int
    staff: int


class DepartmentsV1(CallbackData, prefix="b1"):
    """Back to the list of departments."""

    ticket: int


class TicketActionV1(CallbackData, prefix="t1"):
    """The assignee's buttons: take, answer, close, reassign."""

    ticket: int
    action: str


class TimeSpentV1(CallbackData, prefix="m1"):
    """A quick answer to "how long did it take?": minutes, 0 for no charge, -1 to cancel."""

    ticket: int
    minutes: int


class EscalateV1(CallbackData, prefix="e1"):
    """Whom to ask for help: a department (staff 0), then a person of it."""

    ticket: int
    department: int
    staff: int


class HelpV1(CallbackData, prefix="h1"):
    """On a colleague's request for help and on notes: write a note, record one's time."""

    ticket: int
    action: str


class HelpTimeV1(CallbackData, prefix="h2"):
    """A helper's quick answer to "how long did you spend?": minutes, -1 to cancel."""

    ticket: int
    minutes: int


class ConversationV1(CallbackData, prefix="c1"):
    """A page of the ticket's conversation under /ticket: 1 is the oldest."""

    ticket: int
    page: int


class QuarantineV1(CallbackData, prefix="q1"):
    """A decision on a mail kept aside (the raw_mail id): "ticket" (make a ticket) or "dismiss"."""

    item: int
    action: str


class QuarantinePageV1(CallbackData, prefix="q2"):
    """A page of /quarantine's list of open items: 1 is the newest."""

    page: int


class ReportV1(CallbackData, prefix="r1"):
    """A manager's decision on a stored report: send or hold."""

    report: int
    action: str


class TariffV1(CallbackData, prefix="f1"):
    """A manager marks a client's tariff change request answered."""

    request: int
