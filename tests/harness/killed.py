"""`deskbot poll-once` in a real process, SIGKILLed right after its commit, before the \\Seen flag."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def killed_after_commit(config_path: Path, tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import asyncio, os, signal
        from deskbot.dispatch.config import load_config
        from deskbot.app import mailin
        from deskbot.mailbox.imap import ImapConnection
        ImapConnection.mark_processed = lambda self, uids: os.kill(os.getpid(), signal.SIGKILL)
        asyncio.run(mailin.poll_once(load_config({str(config_path)!r})))
    """)
    with open(tmp_path / "killed.log", "wb") as log:
        # Not a pipe: the parser processes would hold it open until they notice their parent is gone.
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, stdout=log, stderr=log, timeout=60)
    assert done.returncode == -9, (tmp_path / "killed.log").read_text()
