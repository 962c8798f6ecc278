"""An SMTP server on loopback that keeps what it receives (aiosmtpd), for the tests of mail out."""
from __future__ import annotations

import socket
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=default)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.sink.answer is not None:
            return self.sink.answer
        self.sink.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


class SmtpSink:
    """`received`: every message taken. `answer`: say this to DATA instead ("451 ...", "550 ...").
    `stop()` / `start()`: the server goes away and comes back on the same port.
    `login=(user, password)`: AUTH is required (over plain text, on loopback); `login` can be
    changed while it runs, as a password is changed on a real server. `refused_logins` counts."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.received: list[Received] = []
        self.answer: str | None = None
        self.login = login
        self.refused_logins = 0
        self.host, self.port = "127.0.0.1", _free_port()
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        auth = {} if self.login is None else {
            "auth_required": True, "auth_require_tls": False, "authenticator": self._authenticate}
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **auth)
        self._controller.start()
        return self

    def _authenticate(self, server, session, envelope, mechanism: str, data) -> AuthResult:
        user, password = self.login or ("", "")
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (user.encode(), password.encode())
        self.refused_logins += not ok
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def smtp_section(sink: SmtpSink, from_address: str, login: tuple[str, str] | None = None) -> str:
    """The [smtp] part of a test desk's config, pointed at the sink (with `login`: its user and password)."""
    credentials = "" if login is None else f'username = "{login[0]}"\npassword = "{login[1]}"\n'
    return f"""
[smtp]
host = "{sink.host}"
port = {sink.port}
security = "none"
from_address = "Desk Support <{from_address}>"
{credentials}"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()
