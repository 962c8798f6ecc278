"""A raw mail handed to the intake, as the pipe intake (`deskbot ingest`) does.

One small function: the demo's every incoming mail (the page's, the burst's) goes through it.
Until the pipe intake (branch issue12-pipe: dispatch/pipe_intake.py, `PipeIntake.hand_in`) is on
main, it stores the bytes with the use case both intakes use (dispatch/ingest.py): the same
rules, dedupe, threading, quarantine, and the raw bytes kept, in the pipe intake's
pseudo-mailbox "pipe". The mails are numbered where an IMAP poller keeps UIDs.
"""
from __future__ import annotations

import asyncio
import itertools

from deskbot.dispatch.batch import MailboxPlace, Stored
from deskbot.dispatch.ingest import Ingest
from deskbot.mailbox.inbound import Fetched, ParseOptions
from deskbot.mailbox.parse import parse_mail

UIDVALIDITY = 1
PIPE_PLACE = MailboxPlace("pipe", "")  # as the pipe intake names it


class HandIn:
    """Hands raw mail to the intake, one mail at a time, in order."""

    def __init__(self, ingest: Ingest, options: ParseOptions, last_number: int = 0) -> None:
        self.ingest = ingest
        self.options = options
        self._numbers = itertools.count(last_number + 1)
        self._lock = asyncio.Lock()  # one writer: numbers stay in order

    @classmethod
    async def resume(cls, ingest: Ingest, options: ParseOptions) -> HandIn:
        """After a restart, numbering goes on where the stored state stopped."""
        state = await ingest.state()
        return cls(ingest, options, state[1] if state else 0)

    async def hand_in(self, raw: bytes) -> Stored:
        """Store one message as received mail; what became of it (as the pipe intake's `hand_in`)."""
        [stored] = await self.hand_in_together([raw])
        return stored

    async def hand_in_together(self, raws: list[bytes]) -> list[Stored]:
        """Mails that arrive together, stored in one transaction (as the poller stores a batch)."""
        mails = await asyncio.to_thread(lambda: [parse_mail(raw, self.options) for raw in raws])  # writes files
        async with self._lock:
            batch = [Fetched(next(self._numbers), raw, mail) for raw, mail in zip(raws, mails)]
            return await self.ingest.store(UIDVALIDITY, batch, batch[-1].uid) if batch else []
