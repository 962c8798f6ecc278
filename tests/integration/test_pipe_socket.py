"""The service's pipe socket (app/pipe_server.py) with the real intake, and the light command that talks to it."""
from __future__ import annotations

import asyncio
import socket
import sys

from prometheus_client import REGISTRY
from sqlalchemy import select

from deskbot.app import pipe_server
from deskbot.dispatch.clock import SystemClock
from deskbot.dispatch.config import load_config
from deskbot.dispatch.intake import Outcome
from deskbot.dispatch.pipe_intake import parse_here, parse_options, pipe_intake
from deskbot.mailbox.pipe import MAX_MESSAGE, hand_over
from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import RawMail, Ticket
from harness.mails import make_mail
from harness.pipe import pipe_config

HEAVY = {"pydantic", "sqlalchemy", "aiogram", "aiohttp", "asyncio", "deskbot.dispatch", "deskbot.storage"}
# `deskbot ingest` run as the console script runs it; it prints its exit code and what it imported of HEAVY.
COMMAND = (
    "import sys\n"
    "from deskbot.app.cli import main\n"
    "code = main(['ingest', '-c', sys.argv[1]])\n"
    f"loaded = {{m for m in sys.modules for h in {sorted(HEAVY)!r} if m == h or m.startswith(h + '.')}}\n"
    "print(code, sorted({m.split('.')[0] if not m.startswith('deskbot') else m for m in loaded}))\n"
    "sys.exit(code)\n"
)


def intake_for(config_path, engine):
    config = load_config(config_path, environ={})
    return pipe_intake(config, session_factory(engine), SystemClock(), parse_here(parse_options(config)))


async def run_command(config, raw: bytes) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", COMMAND, str(config), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd="/")
    out, err = await asyncio.wait_for(proc.communicate(raw), 60)
    return proc.returncode, out.decode().strip(), err.decode()


async def test_the_command_hands_mail_to_the_service_and_imports_nothing_heavy(tmp_path, engine):
    sock = tmp_path / "run" / "in.sock"
    sock.parent.mkdir()
    config = pipe_config(tmp_path / "config.toml", "sqlite+aiosqlite:///unused.sqlite3",
                         extra=f'[pipe]\nsocket = "{sock}"\nsocket_mode = "0600"\n')
    raw = make_mail("Through the socket", message_id="<sock@client.test>")
    async with pipe_server.listening(sock, 0o600, intake_for(config, engine).hand_in):
        assert sock.stat().st_mode & 0o777 == 0o600

        code, out, err = await run_command(config, raw)
        again, out_again, _ = await run_command(config, raw)

    assert (code, out) == (0, "0 []"), err
    assert (again, out_again) == (0, "0 []")
    assert not sock.exists()
    async with session_factory(engine)() as session:
        rows = [(r.mailbox, r.outcome, r.content) for r in await session.scalars(select(RawMail))]
    assert rows == [("pipe", "ticket", raw)]


async def test_a_database_the_service_cannot_reach_is_tempfail_then_the_retry_is_stored(tmp_path, engine):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    config = pipe_config(tmp_path / "config.toml", "sqlite+aiosqlite:///unused.sqlite3")
    sock = tmp_path / "ingest.sock"  # the default: beside the config file
    raw = make_mail("While the database is down", message_id="<down@client.test>")
    before = REGISTRY.get_sample_value("deskbot_tickets_created_total", {"source": "pipe"})
    unreachable = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{closed}/none")
    try:
        async with pipe_server.listening(sock, 0o660, intake_for(config, unreachable).hand_in):
            code, out, err = await run_command(config, raw)
    finally:
        await unreachable.dispose()
    assert (code, out) == (75, "75 []")
    assert "not stored now" in err
    assert REGISTRY.get_sample_value("deskbot_tickets_created_total", {"source": "pipe"}) == before

    async with pipe_server.listening(sock, 0o660, intake_for(config, engine).hand_in):
        code, out, err = await run_command(config, raw)
    assert (code, out) == (0, "0 []"), err
    async with session_factory(engine)() as session:
        assert [t.subject for t in await session.scalars(select(Ticket))] == ["While the database is down"]
    assert REGISTRY.get_sample_value("deskbot_tickets_created_total", {"source": "pipe"}) - before == 1  # once


async def test_mail_handed_in_together_is_written_together_and_threads_within_the_group(tmp_path, engine):
    intake = intake_for(pipe_config(tmp_path / "config.toml", "sqlite+aiosqlite:///unused.sqlite3"), engine)
    first = make_mail("Disk full", message_id="<disk@client.test>")
    reply = make_mail("Re: Disk full", message_id="<disk-2@client.test>", in_reply_to="<disk@client.test>")
    others = [make_mail(f"Request {n}", message_id=f"<r{n}@client.test>") for n in range(8)]

    results = await asyncio.gather(*(intake.hand_in(raw) for raw in [first, reply, first, *others]))

    outcomes = [r.outcome for r in results]
    assert outcomes[:3] == [Outcome.TICKET, Outcome.REPLY, Outcome.DUPLICATE]
    assert results[1].ticket_id == results[0].ticket_id
    assert outcomes[3:] == [Outcome.TICKET] * 8
    assert len({r.ticket_id for r in results} - {None}) == 9


async def test_mail_handed_in_as_a_batch_is_one_transaction_in_order(tmp_path, engine):
    """The demo's burst: `hand_in_together` writes the whole list at once (one store), so the announcer sees it together."""
    intake = intake_for(pipe_config(tmp_path / "config.toml", "sqlite+aiosqlite:///unused.sqlite3"), engine)
    stores = []
    real_store = intake.ingest.store

    async def counted(*args):
        stores.append(len(args[1]))
        return await real_store(*args)

    intake.ingest.store = counted
    first = make_mail("Disk full", message_id="<disk@client.test>")
    reply = make_mail("Re: Disk full", message_id="<disk-2@client.test>", in_reply_to="<disk@client.test>")
    others = [make_mail(f"Request {n}", message_id=f"<r{n}@client.test>") for n in range(20)]

    results = await intake.hand_in_together([first, reply, *others])

    assert stores == [22]
    assert [r.outcome for r in results] == [Outcome.TICKET, Outcome.REPLY] + [Outcome.TICKET] * 20
    assert results[1].ticket_id == results[0].ticket_id
    assert [r.ticket_id for r in results[2:]] == list(range(2, 22))  # numbered in the order handed in
    assert await intake.hand_in_together([]) == []


async def test_the_socket_reads_no_more_than_the_cap_and_answers_tempfail(tmp_path, engine):
    sock = tmp_path / "in.sock"
    raw = make_mail("Huge", message_id="<huge@client.test>", body="x" * 5000)
    async with pipe_server.listening(sock, 0o600, intake_for(pipe_config(
            tmp_path / "config.toml", "sqlite+aiosqlite:///unused.sqlite3"), engine).hand_in, max_message=4000):
        over = await asyncio.to_thread(hand_over, str(sock), raw, 30)
        empty = await asyncio.to_thread(hand_over, str(sock), b"", 30)
        small = await asyncio.to_thread(hand_over, str(sock), make_mail("Small", message_id="<s@client.test>"), 30)

    assert (over.ok, over.words) == (False, "the mail is larger than the 4000 bytes deskbot takes")
    assert (empty.ok, empty.words) == (False, "an empty message: nothing stored")
    assert small.ok
    async with session_factory(engine)() as session:
        assert [t.subject for t in await session.scalars(select(Ticket))] == ["Small"]


async def test_the_command_refuses_an_empty_mail_and_one_over_50_mb_before_the_service(tmp_path, engine):
    handed = []

    async def hand_in(raw):
        handed.append(raw)
        raise AssertionError("nothing reaches the service")

    config = pipe_config(tmp_path / "config.toml", "sqlite+aiosqlite:///unused.sqlite3")
    async with pipe_server.listening(tmp_path / "ingest.sock", 0o600, hand_in):
        empty = await run_command(config, b"")
        blank = await run_command(config, b"\r\n\r\n")
        huge = await run_command(config, b"x" * (MAX_MESSAGE + 1))

    assert (empty[0], empty[1]) == (65, "65 []")
    assert empty[2] == "deskbot ingest: no mail on standard input: nothing stored\n"
    assert blank[0] == 65
    assert (huge[0], huge[1]) == (75, "75 []")
    assert len(huge[2].splitlines()) == 1 and "larger than 50 MB" in huge[2]
    assert handed == []
