"""A mail server that refuses deskbot's login, as the dispatcher meets it: Dovecot in, an aiosmtpd
sink requiring AUTH out, the fake Telegram. `deskbot run` as a process, stopped, its password fixed
and started again; and the service as `deskbot run` runs it (service.run, in this process, so that
the login backoff can be made short), restarted once in the middle.

The dispatcher chat hears of each incident once and of its end once; nothing is lost meanwhile.
"""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import pytest

from deskbot.app import service
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch import drain
from deskbot.dispatch.config import load_config
from deskbot.mailbox import poller
from harness.desk import dispatch_sections, write_config
from harness.mails import eventually, make_mail
from harness.service_run import DISPATCHERS, deskbot_process, people
from harness.smtp import SmtpSink, smtp_section

pytestmark = pytest.mark.dovecot
NEW_PASSWORD = "n3w-Mailbox-Pw"
SMTP_LOGIN = ("support@example.test", "smtp-Pw-1")


@pytest.fixture
def short_backoff(monkeypatch):
    monkeypatch.setattr(poller, "LOGIN_BACKOFF", (0.3, 0.6))  # seconds, not minutes
    monkeypatch.setattr(drain, "backoff", lambda failures, jitter: 0.3)
    monkeypatch.setattr(service, "OUTBOX_SWEEP_EVERY", 0.5)


@asynccontextmanager
async def running(config):
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(config, stop=stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def said(fake: FakeTelegram, text: str) -> list[str]:
    return [m.text for m in fake.bot_messages(DISPATCHERS) if text in m.text]


def refused_logins(caplog) -> int:
    return sum("mailbox round failed (authentication" in r.getMessage() for r in caplog.records)


async def test_a_wrong_mailbox_password_is_told_once_and_its_end_once(tmp_path, dovecot, short_backoff, caplog):
    caplog.set_level(logging.INFO)
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    async with FakeTelegram() as fake:
        people(fake)
        path = write_config(tmp_path / "config.toml", dovecot, db_url)
        path.write_text(path.read_text().replace(f'password = "{dovecot.password}"', f'password = "{NEW_PASSWORD}"')
                        + dispatch_sections(fake.token, fake.url, DISPATCHERS, 1001, "1h"))
        config = load_config(path, environ={})
        account = f"{dovecot.user} ({dovecot.host})"
        async with running(config):
            [notice] = await fake.wait_for(lambda: said(fake, "cannot read the mailbox"), timeout=30,
                                           what="the incident told")
            assert notice.startswith(f"🔐 deskbot cannot read the mailbox {account}: the mail server refused "
                                     "deskbot's user name or password (or the account is blocked).")
            assert "mailbox.password" in notice and "AUTHENTICATIONFAILED" not in notice
            told = refused_logins(caplog)
            await eventually(lambda: refused_logins(caplog) >= told + 3, timeout=20, what="three more refusals")
        async with running(config):  # a restart in the middle of the incident: it is not told again
            restarted = refused_logins(caplog)
            await eventually(lambda: refused_logins(caplog) >= restarted + 3, timeout=30, what="refusals after restart")
            dovecot.set_password(NEW_PASSWORD)  # the administrator fixes the account on the server
            [back] = await fake.wait_for(lambda: said(fake, "✅ The mailbox"), timeout=30, what="the recovery told")
            assert back.startswith(f"✅ The mailbox {account} works again (after 1 min)")
            dovecot.append(make_mail("Waited on the server"))
            await fake.wait_for_bot_message(DISPATCHERS, text_contains="Waited on the server", timeout=30)
        assert len(said(fake, "cannot read the mailbox")) == 1 and len(said(fake, "✅ The mailbox")) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # aiosmtpd's, on loopback
async def test_a_refused_smtp_login_is_told_once_and_the_mail_waits_for_it(tmp_path, dovecot, short_backoff):
    sink = SmtpSink(login=(SMTP_LOGIN[0], "the-old-password")).start()
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    try:
        async with FakeTelegram() as fake:
            people(fake)
            path = write_config(tmp_path / "config.toml", dovecot, db_url)
            path.write_text(path.read_text() + dispatch_sections(fake.token, fake.url, DISPATCHERS, 1001, "1h")
                            + smtp_section(sink, dovecot.user, login=SMTP_LOGIN))
            async with running(load_config(path, environ={})):
                dovecot.append(make_mail("Printer jammed", message_id="<p1@client.test>"))
                [notice] = await fake.wait_for(lambda: said(fake, "cannot send e-mail"), timeout=30,
                                               what="the SMTP incident told")
                assert notice.startswith(f"🔐 deskbot cannot send e-mail through {sink.host} ({SMTP_LOGIN[0]}): "
                                         "the mail server refused deskbot's user name or password")
                assert "smtp.password" in notice and "535" not in notice
                await eventually(lambda: sink.refused_logins >= 3, timeout=20, what="more refused logins")
                assert sink.received == []  # the acknowledgement waits in the queue
                sink.login = SMTP_LOGIN  # the password is fixed on the server
                [ack] = await eventually(lambda: sink.received, timeout=30, what="the acknowledgement leaving")
                assert ack.message["Subject"] == "Re: Printer jammed [#1]"
                await fake.wait_for(lambda: said(fake, "✅ E-mail leaves through"), timeout=30, what="the recovery")
            assert len(said(fake, "cannot send e-mail")) == 1 and len(said(fake, "✅ E-mail leaves through")) == 1
            assert len(sink.received) == 1
    finally:
        sink.stop()


async def test_deskbot_run_tells_a_wrong_password_once_and_after_the_fix_that_it_works(tmp_path, dovecot):
    """The usual repair: the administrator corrects the password in the config and restarts deskbot."""
    async with FakeTelegram() as fake:
        people(fake)
        path = write_config(tmp_path / "config.toml", dovecot, f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}")
        right = path.read_text() + dispatch_sections(fake.token, fake.url, DISPATCHERS, 1001, "1h")
        path.write_text(right.replace(f'password = "{dovecot.password}"', 'password = "typo-Passw0rd"'))
        log = tmp_path / "deskbot.log"
        async with deskbot_process(path, fake, log):
            [notice] = await fake.wait_for(lambda: said(fake, "cannot read the mailbox"), timeout=30,
                                           what="the incident told")
            assert "the mail server refused deskbot's user name or password" in notice
            dovecot.append(make_mail("Sent during the incident"))  # it waits on the server
        assert "typo-Passw0rd" not in log.read_text() and "typo-Passw0rd" not in notice
        path.write_text(right)
        async with deskbot_process(path, fake, log):
            [back] = await fake.wait_for(lambda: said(fake, "✅ The mailbox"), timeout=30, what="the recovery told")
            assert back.startswith(f"✅ The mailbox {dovecot.user} ({dovecot.host}) works again")
            await fake.wait_for_bot_message(DISPATCHERS, text_contains="Sent during the incident", timeout=30)
        assert len(said(fake, "cannot read the mailbox")) == 1 and len(said(fake, "✅ The mailbox")) == 1
