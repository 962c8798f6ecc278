"""Mail server failures sorted into kinds, the words people read for each, and when an incident is told."""
from __future__ import annotations

import socket
import ssl
from datetime import datetime, timedelta, timezone

import aiosmtplib
import pytest
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from deskbot.bot.render.mail import incident_text, problem
from deskbot.bot.render.texts import Texts
from deskbot.dispatch.incidents import OUTAGE_NOTICE, Notice, State, to_close, to_tell
from deskbot.mailbox.failures import Failure, Kind, classify_imap, classify_smtp
from deskbot.mailbox.poller import LOGIN_BACKOFF, MAX_BACKOFF, retry_delay

EN, RU = Texts("en"), Texts("ru")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def wrapped(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause
    return outer


def refused(code: int, message: str, address: str = "ann@client.test") -> aiosmtplib.SMTPRecipientsRefused:
    return aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(code, message, address)])


@pytest.mark.parametrize("error, kind, permanent", [
    (wrapped(aiosmtplib.SMTPConnectError("Error connecting to 127.0.0.1 on port 9: [Errno 111] refused"),
             ConnectionRefusedError(111, "Connection refused")), Kind.CONNECTION, False),
    (aiosmtplib.SMTPConnectTimeoutError("Timed out connecting to smtp.test on port 587"), Kind.TIMEOUT, False),
    (aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response"), Kind.TIMEOUT, False),
    (aiosmtplib.SMTPServerDisconnected("Connection lost"), Kind.CONNECTION, False),
    (socket.gaierror(-2, "Name or service not known"), Kind.CONNECTION, False),
    (wrapped(aiosmtplib.SMTPConnectError("Error connecting"), ssl.SSLCertVerificationError("verify failed")),
     Kind.TLS, False),
    (aiosmtplib.SMTPAuthenticationError(535, "5.7.8 Authentication credentials invalid"), Kind.AUTHENTICATION, False),
    (aiosmtplib.SMTPSenderRefused(530, "5.7.0 Authentication required", "support@desk.test"),
     Kind.AUTHENTICATION, False),
    (aiosmtplib.SMTPException("No suitable authentication method found."), Kind.AUTHENTICATION, False),
    (aiosmtplib.SMTPConnectResponseError(421, "4.3.2 Service shutting down"), Kind.BUSY, False),
    (aiosmtplib.SMTPDataError(451, "4.3.0 try again later"), Kind.BUSY, False),
    (refused(450, "4.2.1 mailbox busy"), Kind.BUSY, False),
    (refused(550, "5.1.1 <ann@client.test>: Recipient address rejected: User unknown"), Kind.RECIPIENT, True),
    (refused(553, "mailbox name not allowed"), Kind.RECIPIENT, True),
    (refused(530, "5.7.0 Authentication required"), Kind.AUTHENTICATION, False),  # relaying without a login
    (aiosmtplib.SMTPDataError(550, "5.1.1 mailbox unavailable"), Kind.RECIPIENT, True),
    (aiosmtplib.SMTPDataError(552, "5.3.4 Message size exceeds fixed limit"), Kind.TOO_BIG, True),
    (aiosmtplib.SMTPSenderRefused(552, "Message size exceeds maximum", "support@desk.test"), Kind.TOO_BIG, True),
    (aiosmtplib.SMTPSenderRefused(553, "5.1.8 Sender address rejected: Domain not found", "x@y"), Kind.SENDER, True),
    (aiosmtplib.SMTPDataError(554, "5.7.1 Message rejected as spam"), Kind.MESSAGE, True),
    (aiosmtplib.SMTPDataError(554, "Transaction failed"), Kind.MESSAGE, True),
    (aiosmtplib.SMTPResponseException(500, "Syntax error"), Kind.OTHER, True),
])
def test_smtp_failures_are_sorted_into_kinds(error, kind, permanent):
    failure = classify_smtp(error)
    assert (failure.kind, failure.permanent) == (kind, permanent)
    assert failure.detail  # the technical account stays, for the log


def test_a_refused_recipient_names_the_address_and_keeps_the_servers_answer_for_the_log():
    failure = classify_smtp(refused(550, "5.1.1 User unknown", "gone@client.test"))
    assert failure.address == "gone@client.test" and failure.detail == "550 5.1.1 User unknown"
    assert problem(EN, failure) == "the mail server refused the address gone@client.test"
    assert problem(RU, failure) == "почтовый сервер отклонил адрес gone@client.test"


@pytest.mark.parametrize("error, kind", [
    (LoginError("b'[AUTHENTICATIONFAILED] Authentication failed.'"), Kind.AUTHENTICATION),
    (LoginError("b'[ALERT] Application-specific password required'"), Kind.AUTHENTICATION),
    (LoginError("b'[UNAVAILABLE] Temporary authentication failure.'"), Kind.BUSY),
    (IMAPClientError("select failed: Mailbox doesn't exist: Support"), Kind.FOLDER),
    (IMAPClientAbortError("socket error: EOF"), Kind.CONNECTION),
    (ConnectionRefusedError(111, "Connection refused"), Kind.CONNECTION),
    (socket.timeout("timed out"), Kind.TIMEOUT),
    (ssl.SSLCertVerificationError("certificate verify failed: self-signed certificate"), Kind.TLS),
    (EOFError("connection closed during IDLE"), Kind.CONNECTION),
    (IMAPClientError("FETCH command error: BAD [b'Error in IMAP command']"), Kind.OTHER),
])
def test_imap_failures_are_sorted_into_kinds(error, kind):
    assert classify_imap(error).kind == kind


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_has_words_in_both_languages_and_no_exception_in_them(kind):
    failure = Failure(kind, "SMTPConnectError: Error connecting to 127.0.0.1 on port 9", address="a@b.test")
    for texts in (EN, RU):
        words = problem(texts, failure)
        assert words and "Error" not in words and "SMTP" not in words and "127.0.0.1" not in words


def test_a_refused_login_waits_longer_than_a_dropped_connection():
    login, network = Failure(Kind.AUTHENTICATION, "x"), Failure(Kind.CONNECTION, "x")
    assert [retry_delay(network, n) for n in (1, 2, 3, 10, 100_000)] == [1.0, 2.0, 4.0, MAX_BACKOFF, MAX_BACKOFF]
    assert [retry_delay(login, n) for n in (1, 2, 10)] == [LOGIN_BACKOFF[0], 2 * LOGIN_BACKOFF[0], LOGIN_BACKOFF[1]]


# When an incident is told ---------------------------------------------------------------------

def test_a_refused_login_is_told_at_once_and_once():
    state = State()
    assert to_tell(state, Kind.AUTHENTICATION, T0) == "authentication"
    assert to_tell(state, Kind.AUTHENTICATION, T0 + timedelta(minutes=1)) is None
    assert to_tell(state, Kind.CONNECTION, T0 + timedelta(hours=1)) is None  # still the same incident
    assert to_close(state, T0 + timedelta(hours=2)) == timedelta(hours=2)
    assert to_close(state, T0 + timedelta(hours=3)) is None  # said once


def test_a_short_outage_is_not_told_a_long_one_is_once():
    state = State()
    assert to_tell(state, Kind.CONNECTION, T0) is None
    assert to_tell(state, Kind.TIMEOUT, T0 + OUTAGE_NOTICE - timedelta(seconds=1)) is None
    assert to_close(state, T0 + OUTAGE_NOTICE) is None  # it came back in time: nothing to say
    assert to_tell(state, Kind.CONNECTION, T0 + timedelta(hours=1)) is None  # a new outage starts counting
    assert to_tell(state, Kind.CONNECTION, T0 + timedelta(hours=1) + OUTAGE_NOTICE) == "down"
    assert to_tell(state, Kind.CONNECTION, T0 + timedelta(hours=2)) is None
    # The outage turns into a refused login: that needs a person, so it is told too.
    assert to_tell(state, Kind.AUTHENTICATION, T0 + timedelta(hours=3)) == "authentication"
    assert to_tell(state, Kind.CONNECTION, T0 + timedelta(hours=4)) is None
    assert to_close(state, T0 + timedelta(hours=5)) == timedelta(hours=4)  # from the outage's first failure


def test_the_notices_name_the_mailbox_the_problem_and_what_to_do():
    failure = classify_imap(LoginError("b'[AUTHENTICATIONFAILED] Authentication failed.'"))
    begun = incident_text(EN, Notice("mailbox", "support@desk.test (imap.test)", failure, timedelta(0)))
    assert begun.startswith("🔐 deskbot cannot read the mailbox support@desk.test (imap.test): the mail server "
                            "refused deskbot's user name or password (or the account is blocked).")
    assert "<code>mailbox.password</code>" in begun and "AUTHENTICATIONFAILED" not in begun
    ended = incident_text(RU, Notice("mailbox", "support@desk.test (imap.test)", None, timedelta(minutes=90)))
    assert ended == ("✅ Почтовый ящик support@desk.test (imap.test) снова работает (перерыв 1 ч 30 мин): "
                     "новые письма читаются как обычно.")
    down = incident_text(EN, Notice("smtp", "smtp.test", Failure(Kind.TIMEOUT, "x"), OUTAGE_NOTICE))
    assert down.startswith("📮 deskbot has not reached the mail server smtp.test for 10 min: the mail server did "
                           "not answer in time.") and "To fix it" not in down
