"""A parser worker process (mailbox/parse_pool.py starts it): requests in on stdin, results out.

Each message either way is a pickle behind its length (8 bytes, big-endian). The first one in is
the service's `sys.path`; then each request is `(parse_fn or None, raws, options)` and its answer
`(True, mails)` or `(False, exception)`. The worker ends when its stdin does: when the pool lets it
go, and when the service dies, however it dies. Signals sent to the service's whole process group
(Ctrl-C, systemd's stop) are the service's to act on, not the worker's.
"""
from __future__ import annotations

import os
import pickle
import signal
import struct
import sys

HEADER = struct.Struct(">Q")


def read_message(stream) -> bytes | None:
    """One message's bytes; None at the end of the stream (a short read is the end too)."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    size = HEADER.unpack(header)[0]
    body = stream.read(size)
    return body if len(body) == size else None


def write_message(stream, body: bytes) -> None:
    stream.write(HEADER.pack(len(body)))
    stream.write(body)
    stream.flush()


def serve() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    inbox = sys.stdin.buffer
    # The answers get a descriptor of their own: whatever prints to stdout goes to stderr instead.
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    first = read_message(inbox)
    if first is None:
        return
    sys.path[:] = pickle.loads(first)
    from deskbot.mailbox.parse import parse_batch

    while (request := read_message(inbox)) is not None:
        try:
            parse_fn, raws, options = pickle.loads(request)
            answer = (True, (parse_fn or parse_batch)(raws, options))
        except Exception as exc:  # noqa: BLE001 - handed to the service, which raises it
            answer = (False, exc)
        del request
        try:
            body = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an exception that does not pickle: said in words
            body = pickle.dumps((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]} ({exc})")))
        del answer
        write_message(outbox, body)
        del body


if __name__ == "__main__":
    serve()
