"""Which ticket and which Telegram update a log line concerns, carried by context variables.

Set where the work happens (an update's middleware, the intake, the outbox, the sweeps) and read by the
log's formatter (app/logs.py), so that every line written meanwhile names them without being told.
Standard library only: importing this costs nothing.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

TICKET: ContextVar[int | None] = ContextVar("deskbot_ticket", default=None)
UPDATE: ContextVar[int | None] = ContextVar("deskbot_update_id", default=None)


@contextlib.contextmanager
def about(*, ticket: int | None = None, update_id: int | None = None) -> Iterator[None]:
    """Lines logged inside the block name this ticket (and update); None leaves the outer one."""
    tokens = []
    if ticket is not None:
        tokens.append((TICKET, TICKET.set(ticket)))
    if update_id is not None:
        tokens.append((UPDATE, UPDATE.set(update_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def concerning(ticket: int | None = None, *, update_id: int | None = None) -> None:
    """From here on, lines name this ticket (and update): only inside a task of its own (one Telegram
    update, one web request), whose context ends with it."""
    if ticket is not None:
        TICKET.set(ticket)
    if update_id is not None:
        UPDATE.set(update_id)


def current() -> dict[str, int]:
    """The ticket and update of the lines logged now, for the formatter: {"ticket": 7, "update_id": 123}."""
    found = {}
    if (ticket := TICKET.get()) is not None:
        found["ticket"] = ticket
    if (update := UPDATE.get()) is not None:
        found["update_id"] = update
    return found
