"""`deskbot check-config` on routing rules (one line per mistake), `deskbot rules`, `deskbot rules test FILE.eml`."""
from pathlib import Path

from harness.mails import make_mail
from harness.service_run import deskbot

BASE = """
[database]
url = "sqlite+aiosqlite:///{folder}/desk.sqlite3"

[mailbox]
mode = "pipe"

[telegram]
language = "{lang}"

[[departments]]
key = "support"
name = "Support"

[[staff]]
name = "Sam"
telegram_id = 1003
departments = ["support"]

[web]
request_types = [{{ key = "printer", label = {{ en = "Printer" }} }}]
"""
RULES = """
[rule_sets]
alerts = "all"

[[rules]]
name = "Printers to Sam"
set = "routing"
subject = ["printer", "принтер"]
department = "support"
assign = "Sam"
priority = "high"

[[rules]]
name = "Big clients"
set = "alerts"
domain = "client.test"
attachments = false
tags = ["client"]
notify = [1003]

[[rules]]
name = "Nobody took it"
on = "unassigned"
after = "90m"
in_hours = true
priority = "urgent"
"""


def config(tmp_path: Path, rules: str, lang: str = "en") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(BASE.format(folder=tmp_path, lang=lang) + rules, encoding="utf-8")
    return path


def test_check_config_says_every_mistake_in_one_line_each(tmp_path):
    field_mistakes = config(tmp_path, """
[[rules]]
name = "Bad regex"
subject_regex = "print(er"
tags = ["x"]

[[rules]]
name = "No wait"
on = "unanswered"
tags = ["x"]

[[rules]]
name = "Typo"
subjekt = ["printer"]
tags = ["x"]
""")
    done = deskbot("check-config", "-c", str(field_mistakes), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"deskbot: {field_mistakes}: [[rules]] #1 subject_regex: bad regular expression at position 5: "
        "missing ), unterminated subpattern (got 'print(er')",
        f"deskbot: {field_mistakes}: [[rules]] #2: on = \"unanswered\" needs after, e.g. after = \"30m\"",
        f"deskbot: {field_mistakes}: [[rules]] #3 subjekt: unknown key (see config.example.toml)",
    ]
    names = config(tmp_path, """
[rule_sets]
alerst = "all"

[[rules]]
name = "Lost"
department = "sales"
assign = "Bob"
notify = ["Sam", 77]
reply = "ack"
request_type = ["fax"]

[[rules]]
name = "Lost"
tags = ["x"]
""")
    done = deskbot("check-config", "-c", str(names), cwd=tmp_path)
    assert done.returncode == 2
    assert [line.removeprefix(f"deskbot: {names}: ") for line in done.stderr.splitlines()] == [
        "[rule_sets] alerst: no [[rules]] is in the set 'alerst' (got 'alerst')",
        "[[rules]] #1 department: rule 'Lost': unknown department 'sales' (known: support) (got 'sales')",
        "[[rules]] #1 assign: rule 'Lost': nobody in [[staff]] is 'Bob' (a name or a telegram_id) (got 'Bob')",
        "[[rules]] #1 notify: rule 'Lost': nobody in [[staff]] is '77' (a name or a telegram_id)",
        "[[rules]] #1 reply: rule 'Lost': unknown mail template 'ack' ([[mail_templates]] is empty) (got 'ack')",
        "[[rules]] #1 request_type: rule 'Lost': unknown request type 'fax' (known: printer)",
        "[[rules]] #2 name: rule 'Lost': another rule has this name (names are shown on cards: make them unique) "
        "(got 'Lost')",
    ]
    assert deskbot("check-config", "-c", str(config(tmp_path, RULES)), cwd=tmp_path).stdout.endswith(": OK\n")


def test_rules_lists_sets_triggers_conditions_and_actions(tmp_path):
    done = deskbot("rules", "-c", str(config(tmp_path, RULES)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Rule set «routing»: the first matching rule acts",
        "1. «Printers to Sam» on new",
        '  if: subject = ["printer", "принтер"]',
        '  then: department = "support"; assign = "Sam"; priority = "high"',
        "Rule set «alerts»: every matching rule acts",
        "2. «Big clients» on new",
        '  if: domain = ["client.test"]; attachments = false',
        '  then: tags = ["client"]; notify = [1003]',
        "Rule set «default»: the first matching rule acts",
        '3. «Nobody took it» on unassigned, after "1h30m"',
        "  if: in_hours = true",
        '  then: priority = "urgent"',
    ]
    empty = deskbot("rules", "-c", str(config(tmp_path, "", lang="ru")), cwd=tmp_path)
    assert empty.stdout.strip() == "В конфигурации нет правил маршрутизации ([[rules]])."


def test_rules_test_shows_what_fires_and_why_and_writes_nothing(tmp_path):
    path = config(tmp_path, RULES)
    mail = tmp_path / "mail.eml"
    mail.write_bytes(make_mail("Не печатает ПРИНТЕР", sender="Anna <anna@client.test>"))
    done = deskbot("rules", "test", str(mail), "-c", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Mail from anna@client.test, «Не печатает ПРИНТЕР»: a new ticket.",
        "Business hours now: open.",
        "Fires «Printers to Sam» (set «routing»): subject has «принтер»",
        '  then: department = "support"; assign = "Sam"; priority = "high"',
        "Fires «Big clients» (set «alerts»): without attachments, domain client.test",
        '  then: tags = ["client"]; notify = [1003]',
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "mail.eml"]  # no database, no attachments
    mail.write_bytes(make_mail("Hello", sender="Bob <bob@gmail.com>"))
    assert deskbot("rules", "test", str(mail), "-c", str(path), cwd=tmp_path).stdout.splitlines()[2:] == [
        "No rule fires."]
    mail.write_bytes(make_mail("Out of office", headers={"Auto-Submitted": "auto-replied"}))
    assert deskbot("rules", "test", str(mail), "-c", str(path), cwd=tmp_path).stdout.strip() == (
        "This mail would open no ticket (quarantine): no rule runs on it.")
    missing = deskbot("rules", "test", str(tmp_path / "nope.eml"), "-c", str(path), cwd=tmp_path)
    assert (missing.returncode, missing.stderr.strip()) == (1, f"deskbot: {tmp_path / 'nope.eml'}: No such file or directory")
