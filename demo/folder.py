"""The demo's folder: its own, and emptied of an earlier run's database on each start.

Apart from the rest of demo/ so that `deskbot demo` refuses a wrong folder before it imports the service.
"""
from __future__ import annotations

import shutil
from pathlib import Path

MARK = ".deskbot-demo"  # a folder holding this file is the demo's own: its database may be replaced
OURS = {MARK, "config.toml", "deskbot.sqlite3", "deskbot.sqlite3-wal", "deskbot.sqlite3-shm", "attachments",
        "ingest.sock"}  # the service's pipe socket, left behind when the demo was killed


class FolderNotOurs(Exception):
    """The folder holds files the demo did not write: it is left alone."""


def fresh_folder(folder: Path) -> None:
    """The demo's folder, empty of an earlier run's database (the stand-in's chats start empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    present = {p.name for p in folder.iterdir()}
    if present and MARK not in present:
        raise FolderNotOurs(f"{folder} holds files that are not the demo's: give another --dir")
    strangers = present - OURS
    if strangers:
        raise FolderNotOurs(f"{folder} holds files that are not the demo's ({', '.join(sorted(strangers))})")
    (folder / MARK).write_text("deskbot demo's folder: its database is replaced on each start.\n")
    for name in ("deskbot.sqlite3", "deskbot.sqlite3-wal", "deskbot.sqlite3-shm"):
        (folder / name).unlink(missing_ok=True)
    files = folder / "attachments"
    if files.is_dir():
        shutil.rmtree(files)
