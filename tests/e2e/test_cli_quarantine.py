"""`deskbot quarantine`, `quarantine release ID` and `quarantine dismiss ID`, as an operator uses them."""
import json

import pytest

from harness.mails import make_mail
from harness.service_run import deskbot

pytestmark = pytest.mark.dovecot


def test_release_and_dismiss_from_the_command_line(tmp_path, config, dovecot):
    dovecot.append(make_mail("Help me", sender="Anna Petrova", body="Call me please\n"))
    dovecot.append(make_mail("Out of office", headers={"Auto-Submitted": "auto-replied"}))
    assert deskbot("poll-once", "-c", str(config), cwd=tmp_path).returncode == 0
    listed = deskbot("quarantine", "-c", str(config), cwd=tmp_path).stdout
    assert "person mail, open" in listed and "machine mail, open" in listed and "2 quarantined message(s)" in listed

    released = deskbot("quarantine", "release", "1", "-c", str(config), cwd=tmp_path)
    assert (released.returncode, released.stdout.strip()) == (0, "mail 1: made ticket #1")
    dismissed = deskbot("quarantine", "-c", str(config), "dismiss", "2", cwd=tmp_path)
    assert (dismissed.returncode, dismissed.stdout.strip()) == (0, "mail 2: dismissed")

    again = deskbot("quarantine", "dismiss", "1", "-c", str(config), cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip() == "deskbot: mail 1 was already made ticket #1 from the command line"
    unknown = deskbot("quarantine", "release", "42", "-c", str(config), cwd=tmp_path)
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "deskbot: no quarantined mail 42")

    tickets = [json.loads(line) for line in deskbot("tickets", "--json", "-c", str(config), cwd=tmp_path).stdout.splitlines()]
    assert [(t["number"], t["subject"], t["customer_email"]) for t in tickets] == [(1, "Help me", None)]
    rows = [json.loads(line) for line in
            deskbot("quarantine", "--json", "-c", str(config), cwd=tmp_path).stdout.splitlines()]
    assert [(r["id"], r["kind"], r["fate"], r["ticket"], r["decided_by"]) for r in rows] == [
        (1, "person", "released", 1, None), (2, "machine", "dismissed", None, None)]
    assert "released -> ticket #1 from the command line at" in deskbot("quarantine", "-c", str(config), cwd=tmp_path).stdout
