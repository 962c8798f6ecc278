"""`deskbot ingest`: one message on standard input, from the MTA's pipe, into the intake.

Exit codes are the MTA's (sysexits.h): 0 when the mail is stored (or was stored already),
75 (EX_TEMPFAIL) when it cannot be stored now, or is over 50 MB: the MTA keeps it and tries
again, and the retry is recognised as the same mail; 65 (EX_DATAERR) when standard input is
empty: nothing is stored. Bad mail is never refused: it is quarantined.

The MTA starts this command for every mail, so the usual path imports almost nothing: it
hands the bytes to the running service over its unix socket (mailbox/pipe.py). Only when
no service listens does it load the rest and store the mail in the database itself; the
service, once running, announces it at its next sweep.
"""
from __future__ import annotations

import os
import sys

from deskbot.mailbox.pipe import EX_DATAERR, EX_TEMPFAIL, MAX_MESSAGE, NoService, configured_socket, hand_over

DEFAULT_CONFIG = "config.toml"  # as dispatch/config.py's default_path(), without importing pydantic
ANSWER_TIMEOUT = 60.0  # seconds for the service to store the mail; then the MTA tries again


def add_command(commands, common) -> None:
    """For `deskbot --help`; `main` hands `ingest` to `ingest()` before this parser is built."""
    commands.add_parser("ingest", parents=[common],
                        help="store one mail read on standard input (for the MTA's pipe); exit 75: try again later")


USAGE = "usage: deskbot ingest [-c CONFIG] < message\n" + __doc__.split("\n\n")[1]


def ingest(argv: list[str]) -> int:
    config_file = _config_option(argv)
    if config_file is None:  # the transport is written wrong: the MTA keeps the mail until it is fixed
        return EX_TEMPFAIL
    raw = sys.stdin.buffer.read(MAX_MESSAGE + 1)
    if len(raw) > MAX_MESSAGE:
        while sys.stdin.buffer.read(1 << 20):
            pass  # read it all: an MTA whose write fails may not look at the exit code
        _say(f"the mail is larger than {MAX_MESSAGE // 2**20} MB, more than deskbot takes; "
             "the mail server keeps it and tries again until its queue lifetime ends, then bounces it")
        return EX_TEMPFAIL
    if not raw.strip():  # nothing to store: a transport written wrong, not a mail
        _say("no mail on standard input: nothing stored")
        return EX_DATAERR
    try:
        path = configured_socket(config_file, os.environ)
    except (OSError, ValueError):  # unreadable or not TOML: the full load below says so in its words
        path = None
    if path is not None:
        try:
            answer = hand_over(path, raw, ANSWER_TIMEOUT)
        except NoService:
            pass  # no service running: store it ourselves
        except PermissionError:
            _say(f"no permission to write to {path} (see [pipe] socket_mode): storing the mail directly")
        except OSError as exc:  # a timeout, the service gone mid-way: it may have stored it, the retry is a duplicate
            _say(f"the service at {path} did not answer ({exc.strerror or type(exc).__name__}); "
                 "the mail server keeps the mail and tries again")
            return EX_TEMPFAIL
        else:
            if answer.ok:
                return 0
            _say(f"not stored now ({answer.words}); the mail server keeps the mail and tries again")
            return EX_TEMPFAIL
    return store_directly(config_file, raw)


def _config_option(argv: list[str]) -> str | None:
    """-c/--config PATH, the only option (argparse would cost this command a tenth of its start-up)."""
    config_file = None
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        if arg in ("-c", "--config") and rest:
            config_file = rest.pop(0)
        elif arg.startswith("--config="):
            config_file = arg.partition("=")[2]
        else:
            _say(f"unknown argument {arg!r}\n{USAGE}")
            return None
    return config_file or os.environ.get("DESKBOT_CONFIG") or DEFAULT_CONFIG


def store_directly(config_file: str, raw: bytes) -> int:
    """The slow path, without a service: validate the config, open the database, run the intake here."""
    import asyncio
    import logging

    from deskbot.app.cli import _secrets
    from deskbot.app.logs import setup_logging
    from deskbot.dispatch.config import ConfigError, load_config

    try:
        config = load_config(config_file)
    except ConfigError as exc:
        _say(f"{exc}; the mail server keeps the mail and tries again")
        return EX_TEMPFAIL
    setup_logging(config.logging.level, _secrets(config), config.logging.format)
    try:
        asyncio.run(_store(config, raw))
    except Exception as exc:  # noqa: BLE001 - whatever it is, the MTA keeping the mail loses nothing
        logging.getLogger("deskbot").debug("ingest failed", exc_info=True)
        detail = (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0][:200]
        _say(f"cannot store the mail now ({type(exc).__name__}: {detail}); the mail server keeps it and tries again")
        return EX_TEMPFAIL
    return 0


async def _store(config, raw: bytes):
    from deskbot.app.database import prepare_database
    from deskbot.dispatch.clock import SystemClock
    from deskbot.dispatch.pipe_intake import parse_here, parse_options, pipe_intake
    from deskbot.storage.db import session_factory

    engine = await prepare_database(config, create=False)  # an empty database: the service creates it
    try:
        intake = pipe_intake(config, session_factory(engine), SystemClock(), parse_here(parse_options(config)))
        return await intake.hand_in(raw)
    finally:
        await engine.dispose()


def _say(text: str) -> None:
    print(f"deskbot ingest: {text}", file=sys.stderr)
