"""Mail that reuses a Message-ID, through Dovecot and `deskbot poll-once`: nothing dropped, nothing misthreaded."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from harness.desk import write_config
from harness.mails import make_mail

DESKBOT = str(Path(sys.executable).parent / "deskbot")
REUSED = "<notification@itsm.vendor.test>"
pytestmark = pytest.mark.dovecot


def deskbot(*args, cwd):
    return subprocess.run([DESKBOT, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def itsm(subject: str, body: str) -> bytes:
    return make_mail(subject, "ITSM <itsm@vendor.test>", body, message_id=REUSED)


def tickets(config, cwd) -> list[tuple[int, str, int]]:
    listed = deskbot("tickets", "--json", "-c", str(config), cwd=cwd)
    return [(r["number"], r["subject"], r["message_count"]) for r in map(json.loads, listed.stdout.splitlines())]


def test_reused_message_ids_become_tickets_and_copies_do_not(tmp_path, dovecot):
    config = write_config(tmp_path / "config.toml", dovecot, f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}")
    first = itsm("INC-1 opened", "Printer down")
    no_id = b"From: cron@host.test\r\nTo: support@example.test\r\nSubject: Backup failed\r\n" \
            b"Date: Mon, 2 Nov 2026 03:00:00 +0000\r\n\r\nThe nightly backup failed.\r\n"
    for raw in [
        b"Delivered-To: support@example.test\r\n" + first,
        itsm("INC-2 opened", "VPN down"),
        b"Delivered-To: help@example.test\r\nReceived: from mx2; Mon, 2 Nov 2026 09:00:05 +0000\r\n" + first,
        make_mail("Re: INC-2 opened", body="Is it fixed?", in_reply_to=REUSED),
        no_id,
        b"Received: from mx2; Mon, 2 Nov 2026 03:00:09 +0000\r\n" + no_id,
    ]:
        dovecot.append(raw)

    done = deskbot("poll-once", "-c", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    log = done.stderr
    assert "uid 1: ticket #1 opened by itsm@vendor.test" in log
    assert "uid 2: ticket #2 opened by itsm@vendor.test" in log
    assert "uid 3: duplicate of stored mail notification@itsm.vendor.test " in log
    assert ("uid 4: ticket #3 opened by anna@client.test (its reference <notification@itsm.vendor.test> "
            "is on tickets #1, #2: a new ticket rather than a guess)") in log
    assert "uid 5: ticket #4 opened by cron@host.test" in log
    assert "uid 6: duplicate of stored mail no-id:" in log
    assert tickets(config, tmp_path) == [
        (1, "INC-1 opened", 1), (2, "INC-2 opened", 1), (3, "Re: INC-2 opened", 1), (4, "Backup failed", 1)]
    assert dovecot.uids("INBOX", "UNSEEN") == []

    # A later update of INC-2 names its ticket: it joins it; a second run takes nothing twice.
    dovecot.append(itsm("INC-2 resolved [#2]", "VPN is back"))
    done = deskbot("poll-once", "-c", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "uid 7: reply from itsm@vendor.test added to ticket #2" in done.stderr
    assert tickets(config, tmp_path) == [
        (1, "INC-1 opened", 1), (2, "INC-2 opened", 2), (3, "Re: INC-2 opened", 1), (4, "Backup failed", 1)]
