"""The MTA's side of the pipe for the tests: a config that takes piped mail, `deskbot ingest` as the
MTA runs it (a process, the mail on standard input), and `deskbot run` taking piped mail."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.desk import dispatch_sections
from harness.mails import eventually
from harness.service_run import deskbot_process

DESKBOT = str(Path(sys.executable).parent / "deskbot")
DISPATCHERS, DANA = -1001, 1001


def pipe_config(path: Path, db_url: str, *, mode: str = "pipe", dovecot=None, extra: str = "") -> Path:
    """A config whose socket is beside it (the default); with `dovecot`, its IMAP mailbox too."""
    imap = "" if dovecot is None else (
        f'host = "{dovecot.host}"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{dovecot.user}"\npassword = "{dovecot.password}"\nparse_workers = 1\n')
    path.write_text(f'[database]\nurl = "{db_url}"\n[mailbox]\nmode = "{mode}"\n{imap}'
                    f'attachments_dir = "{path.parent / "attachments"}"\n{extra}')
    return path


@dataclass
class Ran:
    code: int
    stderr: str


async def ingest(config: Path, raw: bytes, *, cwd: Path | None = None, env: dict[str, str] | None = None) -> Ran:
    """`deskbot ingest -c CONFIG < mail`, as an MTA's pipe runs it (from another working directory)."""
    proc = await asyncio.create_subprocess_exec(
        DESKBOT, "ingest", "-c", str(config), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=cwd or "/", env=env)
    _, err = await asyncio.wait_for(proc.communicate(raw), 120)
    return Ran(proc.returncode, err.decode(errors="replace"))


@asynccontextmanager
async def piped_desk(tmp_path: Path, fake, db_url: str, *, mode: str = "pipe", dovecot=None) -> AsyncIterator[Path]:
    """`deskbot run` on a config that takes piped mail, announcing into the fake's dispatcher group:
    the config's path, once the socket is there and the bot polls Telegram."""
    fake.add_user(DANA, "Dana")
    fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
    config = pipe_config(tmp_path / "config.toml", db_url, mode=mode, dovecot=dovecot,
                         extra=dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, "1h"))
    async with deskbot_process(config, fake, tmp_path / "deskbot.log") as proc:
        await eventually(lambda: (tmp_path / "ingest.sock").is_socket() or proc.returncode is not None,
                         timeout=60, what="the pipe's socket")
        assert proc.returncode is None
        yield config
    assert not (tmp_path / "ingest.sock").exists()  # removed on the way out
