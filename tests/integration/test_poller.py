"""The poller against a real Dovecot: mail in, flags after commit, crashes, UIDVALIDITY, restarts."""
import asyncio
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from deskbot.mailbox.imap import ImapConnection, ImapSettings
from harness.desk import open_desk
from harness.mails import eventually, make_mail

pytestmark = pytest.mark.dovecot


@pytest.fixture
async def desk(tmp_path, dovecot):
    desk = await open_desk(tmp_path, dovecot)
    yield desk
    await desk.close()


async def test_plain_mail_becomes_a_ticket_and_is_flagged_after(desk, dovecot):
    uid = dovecot.append(make_mail("Printer is down"))
    await desk.poll_once()
    [ticket] = await desk.tickets()
    assert (ticket.subject, ticket.customer_email, ticket.organization) == ("Printer is down", "anna@client.test", "client.test")
    assert "\\Seen" in dovecot.flags(uid)
    [message] = await desk.messages(ticket.number)
    assert "does not print" in message.body


@pytest.mark.postgres
async def test_postgresql_path_end_to_end(tmp_path, dovecot, pg_url):
    desk = await open_desk(tmp_path, dovecot, db_url=pg_url)
    try:
        dovecot.append(make_mail("On PostgreSQL", message_id="<pg1@client.test>"))
        dovecot.append(make_mail("Re: On PostgreSQL", in_reply_to="<pg1@client.test>"))
        await desk.poll_once()
        [ticket] = await desk.tickets()
        assert (ticket.subject, ticket.message_count) == ("On PostgreSQL", 2)
    finally:
        await desk.close()


async def test_polling_without_idle_finds_new_mail(tmp_path, dovecot):
    desk = await open_desk(tmp_path, dovecot, idle=False, poll_every="1s")
    poller = desk.poller()
    task = asyncio.create_task(poller.run())
    try:
        await eventually(lambda: poller._conn is not None, what="the poller to connect")
        dovecot.append(make_mail("Found by polling"))
        await eventually(desk.tickets, timeout=10, what="the polled ticket")
    finally:
        poller.stop()
        await asyncio.wait_for(task, 10)
        await poller.close()
        await desk.close()


async def test_a_wake_looks_at_the_mailbox_at_once(tmp_path, dovecot):
    # The scheduler's safety poll: an hour between polls of its own, and still found at once.
    desk = await open_desk(tmp_path, dovecot, idle=False, poll_every="1h")
    poller = desk.poller()
    dovecot.append(make_mail("Found at connect"))
    task = asyncio.create_task(poller.run())
    try:
        await eventually(desk.tickets, timeout=10, what="the first round")
        dovecot.append(make_mail("Found by the wake"))
        poller.wake()
        await eventually(lambda: _count(desk, 2), timeout=10, what="the woken round")
    finally:
        poller.stop()
        await asyncio.wait_for(task, 10)
        await poller.close()
        await desk.close()


def test_a_poke_ends_idle_at_once(dovecot):
    conn = ImapConnection(ImapSettings(host=dovecot.host, port=dovecot.port, security="none",
                                       username=dovecot.user, password=dovecot.password))
    conn.open()
    try:
        poke, stop = threading.Event(), threading.Event()
        threading.Timer(0.3, poke.set).start()
        started = time.monotonic()
        assert conn.idle_until_change(60.0, stop, poke) is True
        assert time.monotonic() - started < 5  # within a second or so of the poke, not the minute
        assert conn.idle_until_change(0.5, stop) is False  # nothing new, no poke: the timeout
    finally:
        conn.close()


async def _count(desk, n: int) -> bool:
    return len(await desk.tickets()) >= n


async def test_html_attachment_and_cyrillic_mail(desk, dovecot):
    dovecot.append(make_mail("Счёт за март", "Ольга <olga@zavod.test>", "Добрый день!\nПришлите счёт.\n",
                             html="<p>Добрый <b>день</b>!</p><p>Пришлите счёт.</p>",
                             attachments=[("акт ../сверки.pdf", b"%PDF-1.4 fake", "application/pdf")]))
    await desk.poll_once()
    [ticket] = await desk.tickets()
    assert ticket.subject == "Счёт за март"
    [message] = await desk.messages(ticket.number)
    assert message.sender_name == "Ольга"
    assert "Пришлите счёт." in message.body


async def test_reply_threads_into_its_ticket_and_auto_reply_opens_nothing(desk, dovecot):
    dovecot.append(make_mail("VPN", message_id="<first@client.test>"))
    await desk.poll_once()
    dovecot.append(make_mail("Re: VPN", body="Still broken", in_reply_to="<first@client.test>"))
    dovecot.append(make_mail("Out of office", headers={"Auto-Submitted": "auto-replied"}))
    await desk.poll_once()
    [ticket] = await desk.tickets()
    assert ticket.message_count == 2
    [quarantined] = await desk.quarantine()
    assert "Auto-Submitted" in quarantined.reason


async def test_first_run_takes_unread_mail_then_everything_new(desk, dovecot):
    dovecot.append(make_mail("Read long ago"), flags=[b"\\Seen"])
    await desk.poll_once()  # nothing unread: still, the first run is over
    dovecot.append(make_mail("Unread"))
    dovecot.append(make_mail("Read by a person before deskbot saw it"), flags=[b"\\Seen"])
    await desk.poll_once()
    assert [t.subject for t in await desk.tickets()] == ["Unread", "Read by a person before deskbot saw it"]


async def test_processed_folder_receives_the_mail(tmp_path, dovecot):
    desk = await open_desk(tmp_path, dovecot, processed_folder="Done")
    try:
        dovecot.append(make_mail("Move me"))
        await desk.poll_once()
        assert dovecot.uids("INBOX") == []
        assert len(dovecot.uids("Done")) == 1
        assert len(await desk.tickets()) == 1
    finally:
        await desk.close()


async def test_malformed_mail_is_kept_and_the_rest_goes_on(desk, dovecot):
    dovecot.append(b"\x00\xff garbage that is not a mail at all \r\n\r\n\xfe")
    dovecot.append(make_mail("No sender", sender="").replace(b"From: \n", b""))
    dovecot.append(make_mail("Fine"))
    await desk.poll_once()
    assert [t.subject for t in await desk.tickets()] == ["Fine"]
    reasons = [q.reason for q in await desk.quarantine()]
    assert len(reasons) == 2 and all(r.startswith("no usable sender") for r in reasons)
    assert await desk.raw_count() == 3


async def test_a_30_mb_message_is_stored(desk, dovecot):
    big = make_mail("Logs attached", attachments=[("logs.bin", b"\x01" * (30 * 1024 * 1024), "application/octet-stream")])
    dovecot.append(big)
    dovecot.append(make_mail("After the big one"))
    await desk.poll_once()
    tickets = await desk.tickets()
    assert [t.subject for t in tickets] == ["Logs attached", "After the big one"]


async def test_uidvalidity_change_rescans_without_duplicates(desk, dovecot):
    for n in range(3):
        dovecot.append(make_mail(f"Old {n}"))
    await desk.poll_once()
    dovecot.reset_uidvalidity()
    dovecot.append(make_mail("New after reset"))
    await desk.poll_once()
    assert [t.subject for t in await desk.tickets()] == ["Old 0", "Old 1", "Old 2", "New after reset"]
    assert await desk.raw_count() == 4


async def test_kill_between_commit_and_flag_never_duplicates(desk, dovecot, tmp_path):
    uid = dovecot.append(make_mail("Crash test"))
    # A real process, killed with SIGKILL right after the commit, before the \Seen flag.
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
    assert "\\Seen" not in dovecot.flags(uid)
    assert len(await desk.tickets()) == 1
    await desk.poll_once()
    assert len(await desk.tickets()) == 1
    assert "\\Seen" in dovecot.flags(uid)


async def test_idle_delivers_and_survives_a_server_restart(desk, dovecot):
    poller = desk.poller()
    task = asyncio.create_task(poller.run())
    try:
        await eventually(lambda: _idling(poller), what="the poller to connect")
        dovecot.append(make_mail("During IDLE"))
        await eventually(desk.tickets, what="the first ticket")
        dovecot.restart()
        dovecot.append(make_mail("After restart"))
        await eventually(lambda: _count_is(desk, 2), timeout=20, what="the ticket after the restart")
    finally:
        poller.stop()
        await asyncio.wait_for(task, 10)
        await poller.close()


def _idling(poller) -> bool:
    return poller._conn is not None


async def _count_is(desk, n: int) -> bool:
    return len(await desk.tickets()) == n
