"""`deskbot ingest` as the MTA runs it: one mail on standard input, exit 0 when stored, 75 to be retried."""
from __future__ import annotations

import asyncio
import socket

import pytest
from sqlalchemy import select

from deskbot.app import service
from deskbot.dispatch.config import load_config
from deskbot.dispatch.intake import Outcome
from deskbot.storage.db import session_factory
from deskbot.storage.models import RawMail, Ticket
from harness.desk import dispatch_sections
from deskbot.demo.botapi import FakeTelegram
from harness.mails import make_mail
from harness.pipe import DANA, DISPATCHERS, ingest, pipe_config, piped_desk
from harness.service_run import deskbot

EX_TEMPFAIL = 75


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


async def stored(engine) -> list[RawMail]:
    async with session_factory(engine)() as session:
        return list(await session.scalars(select(RawMail).order_by(RawMail.id)))


async def test_without_a_service_the_mail_is_stored_once_and_a_second_delivery_is_a_duplicate(tmp_path, engine):
    config = pipe_config(tmp_path / "config.toml", url_of(engine))
    raw = make_mail("Printer is down", message_id="<p1@client.test>")

    first = await ingest(config, raw)
    again = await ingest(config, raw.replace(b"Subject:", b"Received: from relay2\r\nSubject:", 1))

    assert (first.code, again.code) == (0, 0), first.stderr + again.stderr
    rows = await stored(engine)
    assert [(r.mailbox, r.outcome, r.ticket_id, r.content) for r in rows] == [("pipe", "ticket", 1, raw)]
    async with session_factory(engine)() as session:
        assert [t.subject for t in await session.scalars(select(Ticket))] == ["Printer is down"]


async def test_bad_mail_is_never_refused_it_is_quarantined(tmp_path, engine):
    config = pipe_config(tmp_path / "config.toml", url_of(engine))
    raw = b"From: =?utf-8?Q?attacker?Q?agent?=@victim.example\r\nSubject: hi\r\n\r\nbody\r\n"

    ran = await ingest(config, raw)

    assert ran.code == 0, ran.stderr
    assert [(r.outcome, r.content) for r in await stored(engine)] == [("quarantine", raw)]
    # `deskbot quarantine` keeps its columns: piped mail's uid (a 19-digit nanosecond time) shows as "pipe".
    listed = deskbot("quarantine", "-c", str(config), cwd=tmp_path).stdout.splitlines()
    assert listed[0].startswith("     1  pipe        ") and listed[0].index(" B  from ") == 29, listed[0]
    assert listed[-1] == "1 quarantined message(s)"


async def test_an_unreachable_database_is_tempfail_and_the_retry_loses_nothing(tmp_path, engine):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = pipe_config(tmp_path / "down.toml", f"postgresql+asyncpg://postgres@127.0.0.1:{closed}/none")
    raw = make_mail("Mail server outage", message_id="<outage@client.test>")

    refused = await ingest(down, raw)

    assert refused.code == EX_TEMPFAIL
    assert "tries again" in refused.stderr and "Traceback" not in refused.stderr
    assert await stored(engine) == []
    # The MTA retries the same bytes later, when the database is back.
    retried = await ingest(pipe_config(tmp_path / "config.toml", url_of(engine)), raw)
    assert retried.code == 0, retried.stderr
    assert [(r.outcome, r.content) for r in await stored(engine)] == [("ticket", raw)]


async def test_an_empty_standard_input_stores_nothing_and_exits_65(tmp_path, engine):
    config = pipe_config(tmp_path / "config.toml", url_of(engine))

    ran = await ingest(config, b"")

    assert ran.code == 65  # EX_DATAERR: the MTA bounces it rather than retrying nothing
    assert ran.stderr == "deskbot ingest: no mail on standard input: nothing stored\n"
    assert await stored(engine) == []


async def test_a_broken_config_keeps_the_mail_at_the_mta(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[mailbox\n")

    ran = await ingest(config, make_mail())

    assert ran.code == EX_TEMPFAIL
    assert "not valid TOML" in ran.stderr


async def test_a_running_service_without_imap_announces_piped_mail_at_once(tmp_path):
    async with FakeTelegram() as fake:
        async with piped_desk(tmp_path, fake, f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}") as config:
            ran = await ingest(config, make_mail("Piped: VPN down", message_id="<vpn@client.test>"))
            assert ran.code == 0, ran.stderr

            card = await fake.wait_for_bot_message(DISPATCHERS, text_contains="Piped: VPN down", timeout=10)

            assert card.text.startswith("#1 Piped: VPN down\nFrom: Anna Petrova <anna@client.test>\n")
            again = await ingest(config, make_mail("Piped: VPN down", message_id="<vpn@client.test>"))
            assert again.code == 0, again.stderr


@pytest.mark.dovecot
async def test_imap_and_pipe_together(tmp_path, dovecot):
    async with FakeTelegram() as fake:
        async with piped_desk(tmp_path, fake, f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}",
                              mode="imap+pipe", dovecot=dovecot) as config:
            dovecot.append(make_mail("Through IMAP", sender="Bob <bob@other.test>"))
            ran = await ingest(config, make_mail("Through the pipe"))
            assert ran.code == 0, ran.stderr

            await fake.wait_for_bot_message(DISPATCHERS, text_contains="Through the pipe", timeout=20)
            await fake.wait_for_bot_message(DISPATCHERS, text_contains="Through IMAP", timeout=20)


async def test_a_program_running_the_service_hands_mail_in_directly(tmp_path):
    """The door the demo uses: the intake the socket calls, given by `service.run(pipe_ready=...)`."""
    async with FakeTelegram() as fake:
        fake.add_user(DANA, "Dana")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        path = pipe_config(tmp_path / "config.toml", f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}",
                           extra=dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, "1h"))
        ready: asyncio.Future = asyncio.get_running_loop().create_future()
        stop = asyncio.Event()
        run = asyncio.create_task(service.run(load_config(path, environ={}), stop=stop, pipe_ready=ready.set_result))
        try:
            intake = await asyncio.wait_for(asyncio.shield(ready), 90)

            stored = await intake.hand_in(make_mail("Handed in directly", message_id="<direct@client.test>"))

            assert (stored.outcome, stored.ticket_id) == (Outcome.TICKET, 1)
            await fake.wait_for_bot_message(DISPATCHERS, text_contains="Handed in directly", timeout=10)
            assert (await intake.hand_in(make_mail("Handed in directly", message_id="<direct@client.test>"))
                    ).outcome is Outcome.DUPLICATE
        finally:
            stop.set()
            await asyncio.wait_for(run, 30)
