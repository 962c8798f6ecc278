"""Mail out through `deskbot run`: Dovecot in, an aiosmtpd sink out, no Telegram needed."""
from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import Message, OutboxMessage, Ticket
from harness.desk import write_config
from harness.mails import eventually, make_mail
from harness.smtp import smtp_section

pytestmark = pytest.mark.dovecot
DESKBOT = str(Path(sys.executable).parent / "deskbot")
STARTING = 90  # seconds: a wait that includes `deskbot run` starting


@asynccontextmanager
async def deskbot_run(tmp_path: Path, dovecot, smtp_sink) -> AsyncIterator:
    """`deskbot run` with mail out to the sink, as a process; yields an engine on its database.
    On the way out: stopped by SIGTERM, exit code 0, no traceback in its log."""
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    config = write_config(tmp_path / "config.toml", dovecot, db_url)
    config.write_text(config.read_text() + smtp_section(smtp_sink, dovecot.user))
    log = tmp_path / "deskbot.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([DESKBOT, "run", "-c", str(config)], cwd=tmp_path, stdout=out, stderr=out)
    engine = create_engine(db_url)
    try:
        yield engine
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        await engine.dispose()
    assert proc.returncode == 0, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text()


async def test_a_new_ticket_is_acknowledged_and_the_answer_to_that_threads_back(tmp_path, dovecot, smtp_sink):
    async with deskbot_run(tmp_path, dovecot, smtp_sink) as engine:
        dovecot.append(make_mail("Printer jammed", message_id="<first@client.test>"))
        # The first wait includes the service's start: tens of seconds on 2 loaded cores.
        [ack] = await eventually(lambda: smtp_sink.received, timeout=STARTING, what="the acknowledgement")
        assert ack.rcpt_to == ["anna@client.test"] and ack.message["Subject"] == "Re: Printer jammed [#1]"
        assert ack.message["In-Reply-To"] == "<first@client.test>"

        # The customer answers the acknowledgement; an out-of-office answers it too.
        dovecot.append(make_mail("Re: Printer jammed [#1]", in_reply_to=ack.message["Message-ID"],
                                 body="It is the one on the 2nd floor.\n"))
        dovecot.append(make_mail("Out of office", in_reply_to=ack.message["Message-ID"],
                                 headers={"Auto-Submitted": "auto-replied"}))

        async def both_on_ticket_1():
            async with session_factory(engine)() as s:
                found = list(await s.scalars(select(Message).where(Message.ticket_id == 1, Message.direction == "in")))
            return found if len(found) == 3 else None
        messages = await eventually(both_on_ticket_1, timeout=30, what="the answers on ticket 1")
        assert [m.auto is not None for m in messages] == [False, False, True]
        async with session_factory(engine)() as s:
            assert [t.id for t in await s.scalars(select(Ticket))] == [1]  # no second ticket
        assert len(smtp_sink.received) == 1  # nothing acknowledges an answer, nor an auto-reply


async def test_smtp_down_then_up_delivers_every_mail_once(tmp_path, dovecot, smtp_sink):
    smtp_sink.stop()  # the mail server is away: connections are refused
    async with deskbot_run(tmp_path, dovecot, smtp_sink) as engine:
        for n in range(3):
            dovecot.append(make_mail(f"Outage {n}", message_id=f"<outage{n}@client.test>"))

        async def retried():
            try:
                async with session_factory(engine)() as s:
                    rows = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")))
            except OperationalError:  # the service has not created the schema yet
                return False
            return len(rows) == 3 and all(r.attempts >= 1 and r.status == "pending" for r in rows)
        await eventually(retried, timeout=STARTING, what="three acknowledgements tried and kept")
        smtp_sink.start()

        async def all_sent():
            async with session_factory(engine)() as s:
                rows = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")))
            return all(r.status == "sent" for r in rows) and rows
        await eventually(all_sent, timeout=30, what="the outbox sending them once the server is back")
        assert sorted(m.message["Subject"] for m in smtp_sink.received) == [
            "Re: Outage 0 [#1]", "Re: Outage 1 [#2]", "Re: Outage 2 [#3]"]  # each once
