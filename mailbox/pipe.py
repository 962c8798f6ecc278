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
import socket
import tomllib
from dataclasses import dataclass
from pathlib import Path

SOCKET_NAME = "ingest.sock"  # beside the config file, when [pipe] socket is empty
ANSWER_LIMIT = 4096
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again


@dataclass(frozen=True, slots=True)
class Answer:
    ok: bool
    words: str  # "ticket 12", "duplicate -", or why it failed


class NoService(Exception):
    """Nobody listens on the socket (no file, or the service is not running): store another way."""


def socket_path(setting: str, config_file: str | os.PathLike[str]) -> Path:
    """The socket as configured, or `ingest.sock` in the config file's folder: both the service
    and the MTA's command are given the same config file, whatever their working directories."""
    return Path(setting) if setting else Path(config_file).resolve().parent / SOCKET_NAME


def configured_socket(config_file: str | os.PathLike[str], environ: os._Environ | dict[str, str]) -> Path:
    """The socket path from the config file, without validating the rest of it (the service did).

    Raises OSError or tomllib.TOMLDecodeError when the file cannot be read.
    """
    setting = environ.get("DESKBOT_PIPE_SOCKET")
    if setting is None:
        data = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        pipe = data.get("pipe")
        setting = pipe.get("socket", "") if isinstance(pipe, dict) else ""
    return socket_path(str(setting), config_file)


def hand_over(path: Path, raw: bytes, timeout: float) -> Answer:
    """Give the message to the service listening at `path` and wait for its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        try:
            conn.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise NoService(exc.strerror or str(exc)) from None
        conn.sendall(raw)
        conn.shutdown(socket.SHUT_WR)
        chunks = []
        while sum(map(len, chunks)) < ANSWER_LIMIT and (chunk := conn.recv(ANSWER_LIMIT)):
            chunks.append(chunk)
    line = b"".join(chunks).decode("utf-8", "replace").strip()
    verdict, _, words = line.partition(" ")
    if verdict == "ok":
        return Answer(True, words)
    return Answer(False, words if verdict == "tempfail" else f"the service gave no answer ({line[:80]!r})")


def answer_line(ok: bool, words: str) -> bytes:
    """The service's side of the wire: one line."""
    return f"{'ok' if ok else 'tempfail'} {' '.join(words.split())}\n".encode()
