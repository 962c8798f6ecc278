"""One line per event; secrets (token, passwords) are masked wherever they would appear.

Two formats: "text" for people (the default), "json" for machines: one JSON object a line with
`time`, `level`, `logger`, `message`, and `ticket` and `update_id` on the lines that concern them
(deskbot.telemetry.context), `exc_info` with a traceback. The JSON is python-json-logger's.
"""
from __future__ import annotations

import logging
import sys

from deskbot.telemetry.context import current

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            text = record.getMessage()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                text = text.replace(secret, "***")
                if record.exc_text:
                    record.exc_text = record.exc_text.replace(secret, "***")
            record.msg, record.args = text, ()
        return True


class Concerning(logging.Filter):
    """The ticket and the Telegram update the line concerns, from the context of the code that logs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    class JsonLines(JsonFormatter):
        def format(self, record: logging.LogRecord) -> str:
            # The traceback as RedactSecrets left it (exc_text), not formatted again from the exception.
            held, record.exc_info = (record.exc_info, None) if record.exc_text else (None, record.exc_info)
            try:
                return super().format(record)
            finally:
                if held is not None:
                    record.exc_info = held

    return JsonLines("{levelname}{name}{message}", style="{", timestamp="time",
                     rename_fields={"levelname": "level", "name": "logger"}, json_ensure_ascii=False)


def setup_logging(level: str, secrets: list[str], form: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter() if form == "json" else logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(Concerning())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiosqlite", "alembic", "asyncio", "imapclient", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
