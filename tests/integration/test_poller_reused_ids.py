"""The poller against a real Dovecot, with mails that reuse a Message-ID: crashes, rescans, double delivery."""
import logging
import subprocess
import sys
import textwrap

import pytest
from harness.desk import open_desk
from harness.mails import make_mail

pytestmark = pytest.mark.dovecot
REUSED = "<notification@itsm.vendor.test>"


@pytest.fixture
async def desk(tmp_path, dovecot):
    desk = await open_desk(tmp_path, dovecot)
    yield desk
    await desk.close()


def itsm(subject: str, body: str) -> bytes:
    return make_mail(subject, "ITSM <itsm@vendor.test>", body, message_id=REUSED)


def killed_after_commit(desk, tmp_path) -> None:
    """`deskbot poll-once` in a real process, SIGKILLed right after its commit, before the \\Seen flag."""
    script = textwrap.dedent(f"""
        import asyncio, os, signal
        from deskbot.dispatch.config import load_config
        from deskbot.app import service
        from deskbot.mailbox.imap import ImapConnection
        ImapConnection.mark_processed = lambda self, uids: os.kill(os.getpid(), signal.SIGKILL)
        asyncio.run(service.poll_once(load_config({str(desk.config.path)!r})))
    """)
    with open(tmp_path / "killed.log", "wb") as log:
        # Not a pipe: the parser processes would hold it open until they notice their parent is gone.
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, stdout=log, stderr=log, timeout=60)
    assert done.returncode == -9, (tmp_path / "killed.log").read_text()


async def test_a_crash_then_another_mail_with_the_same_message_id(desk, dovecot, tmp_path, caplog):
    first = dovecot.append(itsm("INC-1 opened", "Printer down"))
    killed_after_commit(desk, tmp_path)
    assert "\\Seen" not in dovecot.flags(first)
    second = dovecot.append(itsm("INC-2 opened", "VPN down"))
    caplog.set_level(logging.INFO)
    await desk.poll_once()
    # The leftover is recognised by its key and only flagged; the new mail with its Message-ID is a ticket.
    assert "1 message(s) in INBOX were already stored" in caplog.text
    assert "duplicate of stored mail" not in caplog.text
    assert [(t.number, t.subject) for t in await desk.tickets()] == [(1, "INC-1 opened"), (2, "INC-2 opened")]
    assert await desk.raw_count() == 2
    assert "\\Seen" in dovecot.flags(first) and "\\Seen" in dovecot.flags(second)


async def test_a_crash_with_two_mails_sharing_a_message_id_in_the_batch(desk, dovecot, tmp_path, caplog):
    uids = [dovecot.append(itsm("INC-1 opened", "Printer down")), dovecot.append(itsm("INC-2 opened", "VPN down"))]
    killed_after_commit(desk, tmp_path)
    assert len(await desk.tickets()) == 2
    caplog.set_level(logging.INFO)
    await desk.poll_once()
    assert "2 message(s) in INBOX were already stored" in caplog.text
    assert len(await desk.tickets()) == 2 and await desk.raw_count() == 2
    assert all("\\Seen" in dovecot.flags(uid) for uid in uids)


async def test_a_rescan_after_a_uidvalidity_change_keeps_every_mail_once(desk, dovecot, caplog):
    mail = itsm("INC-1 opened", "Printer down")
    dovecot.append(b"Delivered-To: support@example.test\r\n" + mail)
    dovecot.append(b"Delivered-To: help@example.test\r\n" + mail)  # the same mail, delivered twice
    dovecot.append(itsm("INC-2 opened", "VPN down"))
    await desk.poll_once()
    assert [t.subject for t in await desk.tickets()] == ["INC-1 opened", "INC-2 opened"]
    dovecot.reset_uidvalidity()
    dovecot.append(itsm("INC-3 opened", "Mail down"))
    caplog.set_level(logging.INFO)
    await desk.poll_once()
    assert "3 message(s) in INBOX were already stored" in caplog.text
    assert [t.subject for t in await desk.tickets()] == ["INC-1 opened", "INC-2 opened", "INC-3 opened"]
    assert await desk.raw_count() == 3
