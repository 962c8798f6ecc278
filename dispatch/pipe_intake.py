"""Mail handed in whole, not fetched: the MTA's pipe (`deskbot ingest`), the demo's customer.

The same intake as IMAP mail (dispatch/ingest.py): the same rules, dedupe, threading,
quarantine, and the raw bytes kept. Such mail is stored as coming from the pseudo-mailbox
"pipe" (no folder; the uid is the nanosecond it was handed in, so that it tells the order
of arrival), and its key is unique there as an IMAP mail's is in its mailbox.

Mail handed in while a batch is being written waits for that batch and is then written
with everything that arrived meanwhile, in one transaction (a group commit): a burst
from the MTA costs a few transactions, not one per mail, and two mails of one thread
arriving together are matched as in an IMAP batch.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.dispatch.batch import MailboxPlace, Stored
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.ingest import Ingest
from deskbot.dispatch.rule_actions import Routing
from deskbot.mailbox.inbound import Fetched, InboundMail, ParseOptions

PIPE_PLACE = MailboxPlace("pipe", "")
WEB_PLACE = MailboxPlace("web", "")  # requests written on the web form (web/form.py)
Parse = Callable[[list[bytes]], Awaitable[list[InboundMail]]]


class PipeIntake:
    def __init__(self, ingest: Ingest, parse: Parse) -> None:
        self.ingest = ingest  # its on_new_tickets, on_replies, on_kept_aside wake the sweeps
        self.parse = parse
        self._waiting: list[tuple[bytes, asyncio.Future[Stored]]] = []
        self._writing = asyncio.Lock()
        self._last_uid = 0

    async def hand_in(self, raw: bytes) -> Stored:
        """Store one message as received mail; what became of it (Outcome.DUPLICATE when it was stored before).

        Raises when it cannot be stored now (the database unreachable): the caller keeps the
        bytes and tries again (the MTA, told EX_TEMPFAIL), and a retry is recognised by its key.
        """
        [stored] = await self.hand_in_together([raw])
        return stored

    async def hand_in_together(self, raws: list[bytes]) -> list[Stored]:
        """Mails that arrive together (the demo's burst), written in one transaction, in this order;
        with whatever else is waiting then. Raises as `hand_in` does."""
        loop = asyncio.get_running_loop()
        mine: list[asyncio.Future[Stored]] = [loop.create_future() for _ in raws]
        self._waiting.extend(zip(raws, mine))
        async with self._writing:
            if not all(future.done() for future in mine):  # else earlier holders of the lock wrote them
                group, self._waiting = self._waiting, []
                await self._write(group)
        return [future.result() for future in mine]

    async def _write(self, group: list[tuple[bytes, asyncio.Future[Stored]]]) -> None:
        try:
            raws = [raw for raw, _ in group]
            batch = [Fetched(self._next_uid(), raw, mail)
                     for raw, mail in zip(raws, await self.parse(raws), strict=True)]
            results = {r.uid: r for r in await self.ingest.store(0, batch, None)}
            for item, (_, future) in zip(batch, group, strict=True):
                future.set_result(results[item.uid])
        except Exception as exc:  # each waiter raises it: not stored, try again later
            for _, future in group:
                if not future.done():
                    future.set_exception(exc)
        finally:  # cancelled (the service stopping): the others are not left waiting
            for _, future in group:
                if not future.done():
                    future.cancel()

    def _next_uid(self) -> int:
        self._last_uid = max(self._last_uid + 1, time.time_ns())
        return self._last_uid


def parse_options(config: Config) -> ParseOptions:
    box = config.mailbox
    return ParseOptions(attachments_dir=str(Path(box.attachments_dir).resolve()),
                        max_attachment_size=box.max_attachment_size)


def parse_here(options: ParseOptions, in_thread: bool = False) -> Parse:
    """Parsing in this process (a one-shot command); the service parses in its worker processes.
    `in_thread`: off the event loop (the web form's few mails, whose attachments may be megabytes)."""
    async def parse(raws: list[bytes]) -> list[InboundMail]:
        from deskbot.mailbox.parse import parse_batch  # not at import: the service parses in its workers

        if in_thread:
            return await asyncio.to_thread(parse_batch, raws, options)
        return parse_batch(raws, options)
    return parse


def pipe_intake(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock, parse: Parse,
                place: MailboxPlace = PIPE_PLACE, routing: Routing | None = None) -> PipeIntake:
    """The intake of handed-in mail for this desk; `parse` is a ParsePool's `parse`, or `parse_here(...)`;
    `place`: the pseudo-mailbox its mail is stored under (the web form's is "web")."""
    ingest = Ingest(sessions, clock, place, own_addresses=config.own_addresses,
                    free_mail_domains=set(config.mailbox.free_mail_domains),
                    reopen_within=config.dispatch.reopen_within, routing=routing or Routing.of(config))
    return PipeIntake(ingest, parse)
