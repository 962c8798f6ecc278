"""Mail handed over by the MTA (`deskbot ingest`): where the running service listens, and the wire.

Standard library only: an MTA starts `deskbot ingest` once per message, and importing
the service (pydantic, SQLAlchemy, aiogram) costs seconds on a slow machine. The command
reads this much of the config with tomllib, hands the bytes to the service over a unix
socket and exits with what the service answered.

The wire: the client sends the whole message and shuts its side down; the service
answers one line, `ok <outcome> <ticket or ->` once the mail is stored (or was already),
or `tempfail <why>` when it cannot store it now.
"""
from __future__ import annotations

import os

# The C module under `socket`: socket.py builds its enums at import, a third of this command's own
# start-up. Only what every CPython has is used (AF_UNIX, SOCK_STREAM, SHUT_WR).
import _socket

SOCKET_NAME = "ingest.sock"  # beside the config file, when [pipe] socket is empty
ANSWER_LIMIT = 4096
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again
EX_DATAERR = 65  # sysexits.h: the input is wrong (an empty message): the MTA bounces it
# The largest message taken (IMAP has no cap of ours; Exim's default message_size_limit, and five
# times Postfix's): a bigger one is refused with EX_TEMPFAIL, so the MTA's own policy decides.
MAX_MESSAGE = 50 * 1024 * 1024


class Answer:
    """What the service said: stored (`words`: "ticket 12", "duplicate -"...) or not, and why."""

    __slots__ = ("ok", "words")

    def __init__(self, ok: bool, words: str) -> None:
        self.ok, self.words = ok, words


class NoService(Exception):
    """Nobody listens on the socket (no file, or the service is not running): store another way."""


def socket_path(setting: str, config_file: str | os.PathLike[str]) -> str:
    """The socket as configured, or `ingest.sock` in the config file's folder: both the service
    and the MTA's command are given the same config file, whatever their working directories.
    (os.path, not pathlib: pathlib alone would double this command's imports.)"""
    return setting or os.path.join(os.path.dirname(os.path.realpath(config_file)), SOCKET_NAME)


def configured_socket(config_file: str | os.PathLike[str], environ) -> str:
    """The socket path from the config file, without validating the rest of it (the service did).

    Raises OSError or ValueError (tomllib's, or not UTF-8) when the file cannot be read.
    """
    setting = environ.get("DESKBOT_PIPE_SOCKET")
    if setting is None:
        with open(config_file, "rb") as file:
            text = file.read()
        # Importing tomllib (re, datetime, typing) would be half of this command's start-up: a file
        # whose lines, outside comments, never say "socket" cannot set [pipe] socket.
        if not any(b"socket" in line.partition(b"#")[0] for line in text.splitlines()):
            return socket_path("", config_file)
        import tomllib

        pipe = tomllib.loads(text.decode("utf-8")).get("pipe")
        setting = pipe.get("socket", "") if isinstance(pipe, dict) else ""
    return socket_path(str(setting), config_file)


def hand_over(path: str, raw: bytes, timeout: float) -> Answer:
    """Give the message to the service listening at `path` and wait for its answer."""
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.settimeout(timeout)
        try:
            conn.connect(os.fspath(path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise NoService(exc.strerror or str(exc)) from None
        conn.sendall(raw)
        conn.shutdown(_socket.SHUT_WR)
        chunks: list[bytes] = []
        while sum(map(len, chunks)) < ANSWER_LIMIT and (chunk := conn.recv(ANSWER_LIMIT)):
            chunks.append(chunk)
    finally:
        conn.close()
    line = b"".join(chunks).decode("utf-8", "replace").strip()
    verdict, _, words = line.partition(" ")
    if verdict == "ok":
        return Answer(True, words)
    return Answer(False, words if verdict == "tempfail" else f"the service gave no answer ({line[:80]!r})")


def answer_line(ok: bool, words: str) -> bytes:
    """The service's side of the wire: one line."""
    return f"{'ok' if ok else 'tempfail'} {' '.join(words.split())}\n".encode()
