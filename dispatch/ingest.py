"""Where the poller's mail lands: each batch stored in one transaction (`batch`), where
the poller stopped (UIDVALIDITY, last UID), and one log line per message.

A message the database refuses is quarantined on its own: a batch never stalls.
"""
from __future__ import annotations

from datetime import timedelta

import logging
from collections.abc import Callable, Iterable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.dispatch.batch import BatchWriter, MailboxPlace, Stored, stored_keys
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.intake import Outcome
from deskbot.dispatch.quarantine import keep_aside
from deskbot.dispatch.rule_actions import Routing
from deskbot.mailbox.inbound import Fetched, InboundMail
from deskbot.storage.models import MailboxState, RawMail
from deskbot.telemetry import metrics
from deskbot.telemetry.context import about

log = logging.getLogger("deskbot.ingest")


def _brief(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return text[:200]


class Ingest:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        place: MailboxPlace,
        own_addresses: set[str],
        free_mail_domains: set[str],
        reopen_within: timedelta = timedelta(days=14),
        routing: Routing | None = None,
    ) -> None:
        self.reopen_within = reopen_within
        self.routing = routing or Routing()  # the routing rules, run on each new ticket and reply
        self.sessions = sessions
        self.clock = clock
        self.place = place
        self.own_addresses = own_addresses
        self.free_mail_domains = free_mail_domains
        # Called after a commit that opened tickets (the announcer's wake), so that the
        # dispatcher sees new mail at once rather than at the next periodic sweep.
        self.on_new_tickets: list[Callable[[], None]] = []
        # Called after a commit that added mail to existing tickets (the forwarder's wake).
        self.on_replies: list[Callable[[], None]] = []
        # Called after a commit that kept mail aside (the announcer's wake: a person's mail is told at once).
        self.on_kept_aside: list[Callable[[], None]] = []

    async def state(self) -> tuple[int, int] | None:
        """(uidvalidity, last_uid) where the poller stopped, or None on the first run."""
        async with self.sessions() as session:
            row = await session.get(MailboxState, (self.place.mailbox, self.place.folder))
            return None if row is None else (row.uidvalidity, row.last_uid)

    async def advance(self, uidvalidity: int, last_uid: int) -> None:
        async with self.sessions.begin() as session:
            await self._save_state(session, uidvalidity, last_uid)

    async def known_keys(self, keys: Iterable[str]) -> set[str]:
        async with self.sessions() as session:
            return await stored_keys(session, self.place.mailbox, keys)

    async def store(self, uidvalidity: int, batch: list[Fetched], last_uid: int | None) -> list[Stored]:
        """`last_uid` None: mail that has no place in a folder (handed in by the MTA), no state to keep."""
        results = await self._store_resilient(uidvalidity, batch, last_uid)
        mails = {f.uid: f.mail for f in batch}
        source = metrics.source(self.place.mailbox)
        for r in results:  # committed: each is counted once, whatever retries it took
            with about(ticket=r.ticket_id):
                _log_result(r, mails[r.uid], f"uid {r.uid}" if last_uid is not None else self.place.mailbox + " mail")
            metrics.MAILS_INGESTED.labels(source, r.outcome.value).inc()
            if r.outcome is Outcome.TICKET:
                metrics.TICKETS_CREATED.labels(source).inc()
        if any(r.outcome is Outcome.TICKET for r in results):
            self._call(self.on_new_tickets)
        if any(r.outcome is Outcome.REPLY for r in results):
            self._call(self.on_replies)
        if any(r.outcome is Outcome.QUARANTINE for r in results):
            self._call(self.on_kept_aside)
        return results

    def _call(self, callbacks: list[Callable[[], None]]) -> None:
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a listener's failure must not fail the mail, which is stored already
                log.exception("new-ticket callback %r failed", callback)

    async def _store_resilient(self, uidvalidity: int, batch: list[Fetched], last_uid: int | None) -> list[Stored]:
        """Store the batch; a message the database refuses is quarantined alone, never blocking the rest."""
        try:
            return await self._store(uidvalidity, batch, last_uid)
        except SQLAlchemyError as exc:
            if len(batch) == 1:
                return [await self._quarantine_unstorable(uidvalidity, batch[0], last_uid, exc)]
            log.warning("batch of %d failed to store (%s); storing one by one", len(batch), _brief(exc))
        results: list[Stored] = []
        for item in batch:
            results += await self._store_resilient(uidvalidity, [item], None if last_uid is None else item.uid)
        if batch:
            async with self.sessions.begin() as session:
                await self._save_state(session, uidvalidity, last_uid)
        return results

    async def _store(self, uidvalidity: int, batch: list[Fetched], last_uid: int | None) -> list[Stored]:
        async with self.sessions.begin() as session:
            results = await BatchWriter(self, session, uidvalidity).write(batch)
            await self._save_state(session, uidvalidity, last_uid)
        return results

    async def _quarantine_unstorable(self, uidvalidity: int, item: Fetched, last_uid: int | None,
                                     exc: Exception) -> Stored:
        reason = f"could not be stored: {_brief(exc)}"
        async with self.sessions.begin() as session:
            if not await stored_keys(session, self.place.mailbox, [item.mail.key]):
                raw = RawMail(
                    mailbox=self.place.mailbox, message_key=item.mail.key, folder=self.place.folder,
                    uidvalidity=uidvalidity, uid=item.uid, size=len(item.raw), content=item.raw,
                    received_at=self.clock.now(), outcome=Outcome.QUARANTINE.value, reason=reason,
                )
                session.add(raw)
                await session.flush()
                # Refused mail reaches a person like any quarantined mail (a person's, unless automatic).
                await keep_aside(session, [(raw.id, item.raw, item.mail)], self.own_addresses, raw.received_at)
            await self._save_state(session, uidvalidity, last_uid)
        return Stored(item.uid, item.mail.key, Outcome.QUARANTINE, None, reason)

    async def _save_state(self, session: AsyncSession, uidvalidity: int, last_uid: int | None) -> None:
        if last_uid is None:
            return
        key = (self.place.mailbox, self.place.folder)
        row = await session.get(MailboxState, key)
        if row is None:
            session.add(MailboxState(mailbox=key[0], folder=key[1], uidvalidity=uidvalidity, last_uid=last_uid))
        elif row.uidvalidity != uidvalidity or last_uid > row.last_uid:
            row.uidvalidity, row.last_uid = uidvalidity, last_uid


def _log_result(r: Stored, mail: InboundMail, where: str) -> None:
    sender = mail.sender.email if mail.sender else "?"
    if mail.sender_note:
        sender += f" ({mail.sender_note})"
    if r.outcome is Outcome.TICKET:
        # The reason says when a reference was ambiguous (intake.note_unclear_thread) or the ticket follows a closed one.
        log.info("%s: ticket #%d opened by %s%s", where, r.ticket_id, sender, f" ({r.reason})" if r.reason else "")
    elif r.outcome is Outcome.REPLY:
        log.info("%s: reply from %s added to ticket #%d", where, sender, r.ticket_id)
    elif r.outcome is Outcome.AUTO:
        log.info("%s: automatic mail kept on ticket #%d (%s)", where, r.ticket_id, r.reason)
    elif r.outcome is Outcome.QUARANTINE:
        log.warning("%s: quarantined: %s", where, r.reason)
    else:
        log.info("%s: duplicate of stored mail %s, skipped", where, r.key)
    if mail.problems:
        log.info("%s: parse notes: %s", where, "; ".join(mail.problems))
