"""A parser stand-in that kills its worker process on one message: for the pool's crash handling."""
import os

from deskbot.mailbox.parse import parse_batch


def parse_or_die(raws, options):
    if any(b"KILL-THE-PARSER" in raw for raw in raws):
        os._exit(3)
    return parse_batch(raws, options)


def raise_on_boom(raws, options):
    if raws == [b"boom"]:
        raise ValueError("boom")
    return parse_batch(raws, options)
