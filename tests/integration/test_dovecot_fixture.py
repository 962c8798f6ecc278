"""Tests of the throwaway Dovecot fixture itself (tests/harness/dovecot.py)."""
from __future__ import annotations

import os
import signal
import socket

import pytest
from imapclient import IMAPClient

from harness.dovecot import Dovecot, DovecotError, _group_alive

pytestmark = pytest.mark.dovecot


def message(n: int) -> bytes:
    return (f"From: customer{n}@example.org\r\nTo: support@example.test\r\n"
            f"Subject: ticket {n}\r\nMessage-ID: <{n}@example.org>\r\n\r\nbody {n}\r\n").encode()


def subjects(dovecot: Dovecot, folder: str = "INBOX") -> dict[int, bytes]:
    with dovecot.client() as c:
        c.select_folder(folder, readonly=True)
        fetched = c.fetch(c.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    return {uid: data[b"BODY[HEADER.FIELDS (SUBJECT)]"].strip() for uid, data in fetched.items()}


def test_starts_and_accepts_login(dovecot: Dovecot):
    assert dovecot.is_running
    assert dovecot.host == "127.0.0.1" and dovecot.port > 0
    assert dovecot.address == dovecot.user == "support@example.test"
    assert dovecot.root.is_dir()
    with dovecot.client() as c:
        assert c.select_folder("INBOX")[b"EXISTS"] == 0


def test_wrong_password_is_refused(dovecot: Dovecot):
    with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=5) as c:
        with pytest.raises(IMAPClient.Error):
            c.login(dovecot.user, "wrong")


def test_announces_idle_uidplus_and_literal_plus(dovecot: Dovecot):
    with dovecot.client() as c:
        caps = set(c.capabilities())
    assert {b"IDLE", b"UIDPLUS", b"LITERAL+", b"MULTIAPPEND"} <= caps


def test_append_returns_increasing_uids(dovecot: Dovecot):
    uids = [dovecot.append(message(n)) for n in range(3)]
    assert uids == [1, 2, 3]
    assert dovecot.uids() == uids
    assert subjects(dovecot) == {n + 1: b"Subject: ticket %d" % n for n in range(3)}


def test_append_with_flags_and_search_criteria(dovecot: Dovecot):
    seen = dovecot.append(message(1), flags=[r"\Seen", r"\Flagged"])
    unseen = dovecot.append(message(2))
    assert dovecot.flags(seen) == {r"\Seen", r"\Flagged"}
    assert dovecot.flags(unseen) == set()
    assert dovecot.uids(criteria="UNSEEN") == [unseen]
    with pytest.raises(KeyError):
        dovecot.flags(99)


def test_folders_have_their_own_uids(dovecot: Dovecot):
    dovecot.create_folder("Archive")
    dovecot.append(message(1))
    assert dovecot.append(message(2), folder="Archive") == 1
    assert dovecot.uids("Archive") == [1]
    assert dovecot.uidvalidity("Archive") != dovecot.uidvalidity("INBOX")


def test_append_many(dovecot: Dovecot):
    first = dovecot.append(message(0))
    uids = dovecot.append_many((message(n) for n in range(1, 1201)), batch=500)
    assert uids == list(range(first + 1, first + 1201))
    assert dovecot.uids() == [first, *uids]
    assert subjects(dovecot)[uids[-1]] == b"Subject: ticket 1200"
    assert dovecot.append_many([]) == []


def test_restart_keeps_messages_port_and_uidvalidity(dovecot: Dovecot):
    uids = [dovecot.append(message(n)) for n in range(3)]
    port, uidvalidity = dovecot.port, dovecot.uidvalidity()
    dovecot.restart()
    assert dovecot.is_running and dovecot.port == port
    assert dovecot.uids() == uids
    assert dovecot.uidvalidity() == uidvalidity


def test_restart_during_idle_says_bye_and_closes(dovecot: Dovecot):
    client = dovecot.client()
    try:
        client.select_folder("INBOX")
        client.idle()
        dovecot.restart()
        assert client.idle_check(timeout=5)[0][0] == b"BYE"  # as a real shutdown does
        assert client.socket().recv(1) == b""  # then the server closed the connection
    finally:
        client.shutdown()
    with dovecot.client() as c:  # a new session works straight away
        c.noop()


def test_stop_leaves_no_process_and_frees_the_port(dovecot: Dovecot):
    idle = dovecot.client()
    try:
        idle.select_folder("INBOX")
        idle.idle()
        pgid = dovecot._proc.pid
        dovecot.stop()
        assert not dovecot.is_running
        assert not _group_alive(pgid)
    finally:
        idle.shutdown()
    with pytest.raises(OSError):
        socket.create_connection((dovecot.host, dovecot.port), timeout=1).close()
    dovecot.stop()  # idempotent


def test_idle_sees_new_mail(dovecot: Dovecot):
    client = dovecot.client()
    try:
        client.select_folder("INBOX")
        client.idle()
        uid = dovecot.append(message(1))
        responses = client.idle_check(timeout=5)  # Dovecot batches for ~0.5 s
        client.idle_done()
        assert (1, b"EXISTS") in responses
        assert uid == 1
    finally:
        client.logout()


def test_reset_uidvalidity_renumbers_and_keeps_messages(dovecot: Dovecot):
    for n in range(3):
        dovecot.append(message(n), flags=[r"\Seen"] if n == 1 else [])
    dovecot.append_many(message(n) for n in range(3, 6))
    before, old_uidvalidity = subjects(dovecot), dovecot.uidvalidity()
    dovecot.append(message(9))
    with dovecot.client() as c:  # leave a gap in the UIDs, as real mailboxes have
        c.select_folder("INBOX")
        c.delete_messages([7])
        c.expunge()

    dovecot.reset_uidvalidity()

    assert dovecot.uidvalidity() != old_uidvalidity
    assert dovecot.uids() == [1, 2, 3, 4, 5, 6]
    assert sorted(subjects(dovecot).values()) == sorted(before.values())
    seen = [uid for uid in dovecot.uids() if r"\Seen" in dovecot.flags(uid)]
    assert [subjects(dovecot)[uid] for uid in seen] == [b"Subject: ticket 1"]
    assert dovecot.append(message(10)) == 7


def test_reset_uidvalidity_of_another_folder(dovecot: Dovecot):
    dovecot.create_folder("Archive")
    dovecot.append_many([message(1), message(2), message(3)], folder="Archive")
    with dovecot.client() as c:
        c.select_folder("Archive")
        c.delete_messages([1])
        c.expunge()
    inbox, archive = dovecot.uidvalidity(), dovecot.uidvalidity("Archive")
    dovecot.reset_uidvalidity("Archive")
    assert dovecot.uidvalidity("Archive") != archive
    assert dovecot.uidvalidity() == inbox
    assert dovecot.uids("Archive") == [1, 2]


def test_start_after_a_crash_keeps_the_mail(dovecot: Dovecot):
    uid = dovecot.append(message(1))
    os.killpg(dovecot._proc.pid, signal.SIGKILL)
    dovecot._proc.wait()
    assert not dovecot.is_running
    dovecot.start()
    assert dovecot.uids() == [uid]


def test_idle_check_interval_option():
    with Dovecot(idle_check_interval=1) as server:
        assert "mailbox_idle_check_interval = 1 secs" in (server.root / "dovecot.conf").read_text()
        assert server.uids() == []
    assert not server.root.exists()


def test_failed_start_reports_the_log_tail():
    broken = Dovecot()
    conf = broken.root / "dovecot.conf"
    conf.write_text(conf.read_text() + "no_such_setting = 1\n")
    try:
        with pytest.raises(DovecotError, match="dovecot log(.|\n)*no_such_setting"):
            broken.start(timeout=5)
        assert not broken.is_running
    finally:
        broken.close()
    assert not broken.root.exists()
