"""Mail server incidents: said once in the dispatcher chat when they begin, and once when they end.

The poller and the e-mail sender tell a `Watch` (one per server: the mailbox, the SMTP
server) how each attempt went (`deskbot.mailbox.failures.Watcher`). The rule:
- a failure that needs a person (a refused login, a missing folder) opens an incident at once;
- any other failure (unreachable, a timeout, TLS, "try later") opens one only when the
  trouble has lasted OUTAGE_NOTICE without a single success: short outages are normal
  and cost nothing, the mail waits;
- an incident already told is not told again, except when it turns into one that needs a
  person (an outage, then a refused login);
- the first success after a told incident closes it, and that is told too.

The notices are outbox rows, and the rows are also the memory: after a restart, the newest
incident row of a server says whether its incident is still open, so a restart during an
incident neither repeats the notice nor forgets to say that it is over. Without a
dispatcher chat the incidents are only logged.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.dispatch import outbox
from deskbot.dispatch.clock import Clock
from deskbot.mailbox.failures import NEEDS_A_PERSON, Failure, Kind
from deskbot.storage.models import OutboxMessage

log = logging.getLogger("deskbot.incidents")

OUTAGE_NOTICE = timedelta(minutes=10)
DOWN = "down"  # the level of an incident that waits for the server, not for a person
MAILBOX, SMTP = "mailbox", "smtp"


@dataclass(frozen=True, slots=True)
class Notice:
    """What to tell: an incident begins (`failure`) or ends (`failure` None), `lasted` so far."""

    server: str  # MAILBOX | SMTP
    account: str  # "support@example.com on imap.example.com"
    failure: Failure | None
    lasted: timedelta


Words = Callable[[Notice], str]  # the notice's text (bot/render/mail.py, incident_text)


@dataclass(slots=True)
class State:
    """One server's incident: what was told (None: nothing open) and since when it fails."""

    told: str | None = None  # the open incident's level: a Kind that needs a person, or DOWN
    told_at: datetime | None = None
    failing_since: datetime | None = None


def level_of(kind: Kind) -> str:
    return kind.value if kind in NEEDS_A_PERSON else DOWN


def to_tell(state: State, kind: Kind, now: datetime) -> str | None:
    """The level of the incident to announce after this failure, or None (a pure rule; updates `state`)."""
    if state.failing_since is None:
        state.failing_since = now
    level = level_of(kind)
    if state.told is not None and (state.told != DOWN or level == DOWN):
        return None
    if level == DOWN and now - state.failing_since < OUTAGE_NOTICE:
        return None
    state.told, state.told_at = level, now
    return level


def to_close(state: State, now: datetime) -> timedelta | None:
    """After a success: how long the told incident lasted, or None when none was told."""
    began = state.failing_since or state.told_at  # the trouble began before it was told (an outage)
    told = state.told is not None
    state.told = state.told_at = state.failing_since = None
    return (now - began) if told and began is not None else None


class Incidents:
    """The incidents of every mail server; `chat` 0: nobody is told, only the log."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, chat: int, words: Words,
                 wake: Callable[[], None] = lambda: None) -> None:
        self.sessions, self.clock, self.chat, self.words = sessions, clock, chat, words
        self.wake = wake  # the Telegram sender: a notice leaves at once, not at the next sweep

    def watch(self, server: str, account: str) -> Watch:
        return Watch(self, server, account)


class Watch:
    """One server's `Watcher`: its failures and successes, as they come."""

    def __init__(self, incidents: Incidents, server: str, account: str) -> None:
        self.incidents, self.server, self.account = incidents, server, account
        self.state: State | None = None  # None until read back from the outbox

    async def failing(self, failure: Failure) -> None:
        try:
            await self._failing(failure)
        except Exception:  # the database, most likely: the mail loop goes on, the next attempt tells
            log.exception("%s: the incident could not be recorded", self.server)
            self.state = None  # read back what was really told

    async def working(self) -> None:
        try:
            await self._working()
        except Exception:
            log.exception("%s: the end of the incident could not be recorded", self.server)
            self.state = None

    async def _failing(self, failure: Failure) -> None:
        state = await self._state()
        now = self.incidents.clock.now()
        level = to_tell(state, failure.kind, now)
        if level is None:
            return
        lasted = now - (state.failing_since or now)
        log.error("%s %s: %s (%s); the dispatcher chat is told", self.server, self.account, failure.kind,
                  failure.detail)
        await self._tell(f"incident:{self.server}:{level}", Notice(self.server, self.account, failure, lasted))

    async def _working(self) -> None:
        if self.state is not None and self.state.told is None and self.state.failing_since is None:
            return  # the usual case: nothing to read, nothing to write
        state = await self._state()
        lasted = to_close(state, self.incidents.clock.now())
        if lasted is not None:
            log.warning("%s %s works again (after %s)", self.server, self.account, lasted)
            await self._tell(f"recovered:{self.server}", Notice(self.server, self.account, None, lasted))

    async def _state(self) -> State:
        if self.state is None:
            self.state = await self._told_before()
        return self.state

    async def _told_before(self) -> State:
        """The newest notice about this server: an incident still open from an earlier run, or none."""
        if not self.incidents.chat:
            return State()
        async with self.incidents.sessions() as session:
            row = (await session.execute(
                select(OutboxMessage.purpose, OutboxMessage.created_at)
                .where(or_(OutboxMessage.purpose.like(f"incident:{self.server}:%"),
                           OutboxMessage.purpose == f"recovered:{self.server}"))
                .order_by(OutboxMessage.id.desc()).limit(1))).first()
        if row is None or row.purpose.startswith("recovered:"):
            return State()
        return State(told=row.purpose.rsplit(":", 1)[1], told_at=row.created_at, failing_since=row.created_at)

    async def _tell(self, purpose: str, notice: Notice) -> None:
        if not self.incidents.chat:
            return
        async with self.incidents.sessions.begin() as session:
            outbox.send_message(session, chat_id=self.incidents.chat, text=self.incidents.words(notice),
                                purpose=purpose, now=self.incidents.clock.now())
        self.incidents.wake()
