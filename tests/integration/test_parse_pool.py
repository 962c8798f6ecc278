"""Parser worker processes: a message that kills its worker is quarantined, the rest is parsed."""
import subprocess
import sys
import time

import pytest
from harness.crashy import parse_or_die, raise_on_boom
from harness.mails import eventually
from harness.mails import make_mail

from deskbot.mailbox.identity import mail_key
from deskbot.mailbox.inbound import ParseOptions
from deskbot.mailbox.parse_pool import ParsePool


async def test_parses_in_workers():
    pool = ParsePool(ParseOptions(), workers=2)
    try:
        mails = await pool.parse([make_mail("One"), make_mail("Two")])
        assert [m.subject for m in mails] == ["One", "Two"]
    finally:
        pool.close()


async def test_a_message_that_kills_its_worker_is_singled_out():
    pool = ParsePool(ParseOptions(), workers=2, parse_fn=parse_or_die)
    try:
        evil = make_mail("Evil", body="KILL-THE-PARSER")
        mails = await pool.parse([make_mail("Fine"), evil, make_mail("Also fine")])
        assert [m.subject for m in mails] == ["Fine", "", "Also fine"]
        assert mails[1].sender is None and mails[1].sender_error == "the parser crashed on this message"
        assert mails[1].key == mail_key(evil)  # what a parse would key it by: a refetch is still this mail
        assert [m.subject for m in await pool.parse([make_mail("After")])] == ["After"]
    finally:
        pool.close()


async def test_a_worker_with_no_work_ends_and_mail_starts_one_again():
    pool = ParsePool(ParseOptions(), workers=1, idle_exit=0.3)
    try:
        await pool.warm_up()
        first = pool._idle[0].proc
        assert first.poll() is None
        await eventually(lambda: first.poll() is not None, timeout=10, what="the idle worker ended")
        assert first.returncode == 0 and pool.running == 0
        assert [m.subject for m in await pool.parse([make_mail("Later")])] == ["Later"]
        assert pool.running == 1
    finally:
        pool.close()


async def test_an_exception_of_the_parser_is_raised_and_the_worker_kept():
    pool = ParsePool(ParseOptions(), workers=1, parse_fn=raise_on_boom)
    try:
        with pytest.raises(ValueError, match="boom"):
            await pool.parse([b"boom"])
        worker = pool._idle[0].proc
        assert (await pool.parse([make_mail("Next")]))[0].subject == "Next"
        assert pool._idle[0].proc is worker
    finally:
        pool.close()


def test_workers_end_with_the_process_that_started_them(tmp_path):
    """However the service ends (SIGKILL here), its parser workers do not outlive it."""
    script = tmp_path / "service.py"
    script.write_text(
        "import asyncio, os, sys\n"
        "from deskbot.mailbox.inbound import ParseOptions\n"
        "from deskbot.mailbox.parse_pool import ParsePool\n"
        "async def main():\n"
        "    pool = ParsePool(ParseOptions(), workers=2)\n"
        "    await asyncio.gather(pool.parse([]), pool.parse([]))\n"
        "    print(*(w.proc.pid for w in pool._idle), flush=True)\n"
        "    await asyncio.sleep(60)\n"
        "asyncio.run(main())\n")
    service = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in service.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
        service.kill()
        service.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers)
    finally:
        service.kill()
        service.wait(10)
        service.stdout.close()


def _alive(pid: int) -> bool:
    """Running (a zombie, reaped by init soon, counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
