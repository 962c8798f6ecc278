"""The `deskbot` command as an operator uses it, against the test Dovecot."""
import json
import signal
import subprocess
import time

import pytest
from harness.desk import write_config
from harness.mails import make_mail
from harness.service_run import DESKBOT, deskbot

pytestmark = pytest.mark.dovecot


def test_check_config(tmp_path, config):
    done = deskbot("check-config", "-c", str(config), cwd=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, f"{config}: OK")
    bad = tmp_path / "bad.toml"
    bad.write_text('[mailbox]\nhost = "x"\nusername = "y"\nport = "many"\npassword = "hunter22"\n')
    done = deskbot("check-config", "-c", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"deskbot: {bad}: [mailbox] port: Input should be a valid integer, unable to parse string as an integer (got 'many')"


def test_config_from_environment_variable(tmp_path, config):
    env = {"PATH": "/usr/bin:/bin", "DESKBOT_CONFIG": str(config)}
    assert deskbot("check-config", cwd=tmp_path, env=env).returncode == 0


def test_poll_once_then_list_tickets(tmp_path, config, dovecot):
    dovecot.append(make_mail("Printer is down", message_id="<p1@client.test>"))
    dovecot.append(make_mail("Re: Printer is down", in_reply_to="<p1@client.test>"))
    dovecot.append(make_mail("Hi from Gmail", sender="Bob <bob@gmail.com>"))
    dovecot.append(b"no headers at all")
    dovecot.append(make_mail("Out of office", headers={"Auto-Submitted": "auto-replied"}))
    done = deskbot("poll-once", "-c", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "uid 1: ticket #1 opened by anna@client.test" in done.stderr
    assert "uid 2: reply from anna@client.test added to ticket #1" in done.stderr
    assert "uid 4: quarantined: no usable sender" in done.stderr

    listed = deskbot("tickets", "--json", "-c", str(config), cwd=tmp_path)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["number"], r["subject"], r["message_count"], r["organization"]) for r in rows] == [
        (1, "Printer is down", 2, "client.test"), (2, "Hi from Gmail", 1, None),
    ]
    assert set(rows[0]) == {
        "number", "subject", "status", "customer_email", "organization", "department", "assignee",
        "created_at", "assigned_at", "closed_at", "time_spent_minutes", "message_count", "priority", "tags", "sla",
    }
    assert rows[0]["sla"] == {}  # no [sla] in this config
    assert (rows[0]["priority"], rows[0]["tags"]) == ("normal", [])  # no [[rules]] either
    assert rows[1]["customer_email"] == "bob@gmail.com" and rows[1]["status"] == "new"

    table = deskbot("tickets", "--status", "new", "-c", str(config), cwd=tmp_path).stdout
    assert "Printer is down" in table and "2 ticket(s)" in table
    assert deskbot("tickets", "--status", "closed", "-c", str(config), cwd=tmp_path).stdout.strip() .endswith("0 ticket(s)")
    quarantine = deskbot("quarantine", "-c", str(config), cwd=tmp_path).stdout
    assert "no usable sender" in quarantine and "2 quarantined message(s)" in quarantine
    assert "from Anna Petrova <anna@client.test>  subject Out of office" in quarantine
    as_json = [json.loads(line) for line in deskbot("quarantine", "--json", "-c", str(config), cwd=tmp_path).stdout.splitlines()]
    assert [(q["uid"], q["subject"]) for q in as_json] == [(4, ""), (5, "Out of office")]


def test_wrong_password_is_one_clear_line_without_the_password(tmp_path, dovecot):
    config = write_config(tmp_path / "config.toml", dovecot, f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    config.write_text(config.read_text().replace(f'password = "{dovecot.password}"', 'password = "wrong-Passw0rd"'))
    said = (f"ERROR   deskbot: mailbox {dovecot.user} ({dovecot.host}:{dovecot.port}, folder INBOX): the mail server "
            "refused deskbot's user name or password (or the account is blocked)")
    first = deskbot("poll-once", "-c", str(config), cwd=tmp_path)  # the first run also creates the database
    assert first.returncode == 4 and said in first.stderr
    assert [line for line in first.stderr.splitlines() if " INFO " not in line] == [first.stderr.splitlines()[-1]]
    again = deskbot("poll-once", "-c", str(config), cwd=tmp_path)
    assert again.returncode == 4 and again.stdout == ""
    [line] = again.stderr.splitlines()  # one line: no traceback, no server reply, no password
    assert line.endswith(said) and "AUTHENTICATIONFAILED" not in line and "wrong-Passw0rd" not in line

    config.write_text(config.read_text().replace("wrong-Passw0rd", dovecot.password) + 'folder = "Nope"\n')
    [line] = deskbot("poll-once", "-c", str(config), cwd=tmp_path).stderr.splitlines()
    assert line.endswith(f"({dovecot.host}:{dovecot.port}, folder Nope): the mailbox has no such folder")
    dovecot.stop()
    down = deskbot("poll-once", "-c", str(config), cwd=tmp_path)
    assert down.returncode == 4 and down.stderr.strip().endswith(": the mail server could not be reached")


def test_run_ingests_and_stops_cleanly_on_sigterm(tmp_path, config, dovecot):
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen([DESKBOT, "run", "-c", str(config)], cwd=tmp_path, stderr=out, text=True)
    try:
        dovecot.append(make_mail("Sent while running"))
        # Each listing is a new process: on 2 loaded cores one can take seconds, so the wait is generous.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = deskbot("tickets", "--json", "-c", str(config), cwd=tmp_path)
            rows = listed.stdout.splitlines()
            if rows:
                break
            time.sleep(0.1)
        assert [json.loads(r)["subject"] for r in rows] == ["Sent while running"], (listed.stderr, log.read_text())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    stderr = log.read_text()
    assert proc.returncode == 0, stderr
    assert "deskbot stopping" in stderr


def test_unreachable_database_is_a_database_error_without_the_password(tmp_path, config):
    env = {"PATH": "/usr/bin:/bin", "DESKBOT_DATABASE_URL": "postgresql+asyncpg://postgres:Sup3rSecret@127.0.0.1:9/x"}
    done = deskbot("tickets", "-c", str(config), cwd=tmp_path, env=env)
    assert done.returncode == 3
    assert "database: cannot connect" in done.stderr and "Sup3rSecret" not in done.stderr


def test_listing_an_empty_database_says_so_and_creates_nothing(tmp_path, config):
    done = deskbot("tickets", "-c", str(config), cwd=tmp_path)
    assert done.returncode == 3
    assert "the database is empty: start `deskbot run` or run `deskbot db upgrade`" in done.stderr
    assert deskbot("db", "upgrade", "-c", str(config), cwd=tmp_path).returncode == 0
    assert deskbot("tickets", "-c", str(config), cwd=tmp_path).stdout.strip().endswith("0 ticket(s)")


def test_contracts_and_a_monthly_report_from_the_shell(tmp_path, config):
    run = lambda *args: deskbot(*args, "-c", str(config), cwd=tmp_path)  # noqa: E731
    assert run("db", "upgrade").returncode == 0
    added = run("contracts", "add", "--org", "Example.com", "--name", "ООО «Пример»", "--number", "SUP-7",
                "--start", "2026-01-01", "--fee", "50 000", "--hours", "10", "--overage-rate", "1500",
                "--recipients", "boss@example.com")
    assert (added.returncode, added.stdout.strip()) == (0, "example.com: contract SUP-7 added")
    again = run("contracts", "add", "--org", "example.com", "--number", "X", "--start", "2026-01-01")
    assert again.returncode == 1 and "already has contract SUP-7" in again.stderr
    assert run("contracts", "edit", "--org", "example.com", "--bonus", "2.5").returncode == 0
    assert run("contracts", "edit", "--org", "example.com", "--client-manager", "Boss@Example.com").returncode == 0
    bad = run("contracts", "edit", "--org", "example.com", "--client-manager", "boss")
    assert bad.returncode == 1 and "client_manager: not an e-mail address" in bad.stderr
    batch = tmp_path / "contracts.toml"
    batch.write_text('[[contracts]]\norg = "other.test"\nname = "Other"\nnumber = "SUP-8"\nstart = 2026-02-01\n'
                     'fee = "1000.50"\nhours = "unlimited"\naddresses = ["other.ceo@gmail.com"]\n')
    imported = run("contracts", "import", str(batch))
    assert (imported.returncode, imported.stdout.strip()) == (0, "1 contract(s) added, 0 changed")
    listed = [json.loads(line) for line in run("contracts", "list", "--json").stdout.splitlines()]
    assert [(c["org"], c["fee"], c["hours"], c["bonus"]) for c in listed] == [
        ("example.com", "50000.00", "10.00", "2.50"), ("other.test", "1000.50", "unlimited", "0.00")]
    assert [c["client_manager"] for c in listed] == ["boss@example.com", ""]

    made = run("report", "--org", "example.com", "--month", "2026-10", "--out", "october.pdf")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "october.pdf: 0 ticket(s), 0 min, total 50000.00 RUB"
    from pypdf import PdfReader

    text = PdfReader(tmp_path / "october.pdf").pages[0].extract_text()
    assert "ООО «Пример»" in text and "SUP-7" in text
    stored = [json.loads(line) for line in run("reports", "--json").stdout.splitlines()]
    assert [(r["org"], r["month"], r["status"]) for r in stored] == [("example.com", "2026-10", "draft")]
    bad = run("report", "--org", "example.com", "--month", "2026-13")
    assert bad.returncode == 1 and "2026-13" in bad.stderr
