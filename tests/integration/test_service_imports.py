"""What the service's process imports at start: what it only needs now and then stays out (memory,
benchmarks/README.md, *Memory*). A module on this list entering `deskbot.app.service`'s imports costs
megabytes resident for as long as the service runs."""
import json
import subprocess
import sys

KEPT_OUT = {
    "alembic": "migrations: `deskbot db upgrade`, or its child process at a first start (app/database.py)",
    "mako": "Alembic's", "pygments": "Alembic's (through Mako)",
    "charset_normalizer": "the parser's: it runs in the worker processes (mailbox/parse_pool.py)",
    "selectolax": "the parser's", "deskbot.mailbox.parse": "the parser itself",
    "cryptography": "not used by the service: the session cookie is signed (web/cookie.py)",
}


def test_the_service_starts_without_what_it_needs_only_now_and_then():
    probe = ("import json, sys, deskbot.app.cli, deskbot.app.service, deskbot.storage.migrate as m; "
             f"m.head_revision(); print(json.dumps([n for n in {sorted(KEPT_OUT)!r} if n in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert {name: KEPT_OUT[name] for name in json.loads(out)} == {}
