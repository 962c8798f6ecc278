"""A desk whose operators watch it: `[metrics] listen` on a free port, and the three machine doors
(/healthz, /readyz, /metrics) read as a monitoring system reads them; the exposition parsed with
prometheus_client's own parser."""
from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from harness.desk import dispatch_sections, write_config
from harness.smtp import smtp_section

DISPATCHERS, DANA = -1001, 1001
IMAP_PASSWORD = "Imap-Pa55word-9731"  # distinct: a log line holding it is found, not confused with a word


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def observed_config(tmp_path: Path, dovecot, fake, db_url: str, *, smtp=None, extra: str = "") -> tuple[Path, str]:
    """An IMAP desk announcing into the fake's dispatcher group, with its metrics on a port of their own and
    JSON logs: (the config's path, the metrics' address)."""
    dovecot.set_password(IMAP_PASSWORD)
    fake.add_user(DANA, "Dana")
    fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
    listen = f"127.0.0.1:{free_port()}"
    path = write_config(tmp_path / "config.toml", dovecot, db_url)
    path.write_text(path.read_text() + dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, "1h")
                    + (smtp_section(smtp, dovecot.user) if smtp is not None else "")
                    + f'\n[metrics]\nlisten = "{listen}"\n\n[logging]\nformat = "json"\n' + extra)
    return path, f"http://{listen}"


@dataclass
class Answer:
    status: int
    text: str
    content_type: str


async def get(url: str, *, headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
    """GET, waiting for the listener to be there (the service may be starting)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as client:
        while True:
            try:
                async with client.get(url, headers=headers or {}) as response:
                    return Answer(response.status, await response.text(), response.headers.get("Content-Type", ""))
            except aiohttp.ClientConnectionError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.1)


async def scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    answer = await get(f"{base}/metrics")
    assert answer.status == 200, answer.text
    assert answer.content_type.startswith("text/plain"), answer.content_type
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    """One sample's value (0 when the series is not there yet, as Prometheus reads a missing counter)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)
