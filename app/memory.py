"""The service process and glibc's malloc: fewer arenas, and freed memory given back to the system.

Measured with benchmarks/memory.py (benchmarks/README.md, *Memory*): each thread that allocates
(the IMAP thread, one per SQLite connection, the parser pool's) gets an arena of its own by
default, up to eight per core, and keeps what it freed; a 2,000-mail burst left the service 50 MB
above its idle size. Two arenas and a `malloc_trim` every half minute took its peak during the
burst from 188 MB to ~155 and gave back ~20 MB after it. Elsewhere than glibc (musl, macOS) this
does nothing.
"""
from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging

log = logging.getLogger("deskbot.service")
M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2
GIVE_BACK_EVERY = 30.0  # seconds; a trim takes about a millisecond


def _glibc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


_LIBC = _glibc()


def fewer_arenas(arenas: int = ARENAS) -> None:
    """Before the process starts its threads: they share `arenas` arenas instead of one each."""
    if _LIBC is not None and not _LIBC.mallopt(M_ARENA_MAX, arenas):
        log.debug("mallopt(M_ARENA_MAX) refused")


def give_back() -> None:
    """Return the free pages of malloc's heaps to the system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


async def give_back_every(seconds: float = GIVE_BACK_EVERY) -> None:
    """Until cancelled."""
    while True:
        await asyncio.sleep(seconds)
        give_back()
