"""Mail with a broken From, through Dovecot and `deskbot poll-once`: people get tickets, forgeries do not."""
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from harness.desk import write_config
from harness.mails import make_mail

DESKBOT = str(Path(sys.executable).parent / "deskbot")
MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"
pytestmark = pytest.mark.dovecot


def deskbot(*args, config: Path):
    done = subprocess.run([DESKBOT, *args, "-c", str(config)], cwd=config.parent, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done


def raw_mail(headers: str, body: str = "Hello, my printer is broken.") -> bytes:
    return (headers.strip() + "\nTo: support@example.test\nDate: Thu, 5 Nov 2026 09:00:00 +0300\n"
            "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n").replace("\n", "\r\n").encode()


def test_broken_from_headers_become_tickets_and_forgeries_quarantine(tmp_path, dovecot):
    database = tmp_path / "desk.sqlite3"
    config = write_config(tmp_path / "config.toml", dovecot, f"sqlite+aiosqlite:///{database}")
    dovecot.append(make_mail("Printer is down", sender="Anna <anna@client.test>", message_id="<first@client.test>"))
    assert "uid 1: ticket #1 opened by anna@client.test" in deskbot("poll-once", config=config).stderr
    for name in ("from_trailing_dot.eml", "from_last_first_unquoted.eml", "from_exchange_internal_reply_to.eml",
                 "address_attack_with_reply_to.eml", "from_several_without_sender.eml"):
        dovecot.append((MAIL / name).read_bytes())
    # A [#1] tag in the subject: from Reply-To, only an address already on ticket #1 threads by it.
    dovecot.append(raw_mail("From: Scanner <scanner@MFP-2F>\nReply-To: anna@client.test\nSubject: Re: [#1] scan\n"
                            "Message-ID: <tag-anna@mfp>"))
    dovecot.append(raw_mail("From: Scanner <scanner@MFP-2F>\nReply-To: boss@client.test\nSubject: Re: [#1] scan\n"
                            "Message-ID: <tag-boss@mfp>"))
    dovecot.append(raw_mail('From: "=?utf-8?B?ZGlyZWN0b3JAY2xpZW50LnRlc3Q=?=" <>\nSubject: Pay now\n'
                            "Message-ID: <decoded-name@evil.test>"))

    log = deskbot("poll-once", config=config).stderr

    assert ("uid 2: ticket #2 opened by ivan.petrov@client.example (address read from a malformed From: "
            "invalid domain: 'ivan.petrov@client.example.')") in log
    assert "uid 4: ticket #4 opened by ivan.petrov@client.example (address recovered from Reply-To)" in log
    assert "uid 7: reply from anna@client.test (address recovered from Reply-To) added to ticket #1" in log
    tickets = [json.loads(line) for line in deskbot("tickets", "--json", config=config).stdout.splitlines()]
    assert [(t["number"], t["customer_email"], t["subject"], t["message_count"]) for t in tickets] == [
        (1, "anna@client.test", "Printer is down", 2),
        (2, "ivan.petrov@client.example", "VPN does not connect", 1),
        (3, "ivan.petrov@client.example", "Outlook keeps asking for the password", 1),
        (4, "ivan.petrov@client.example", "Calendar does not sync", 1),
        (5, "boss@client.test", "Re: [#1] scan", 1),  # the domain alone does not thread a Reply-To sender
    ]
    with sqlite3.connect(database) as db:
        created = dict(db.execute("SELECT ticket_id, detail FROM ticket_events WHERE kind = 'created'"))
        names = dict(db.execute("SELECT email, name FROM customers"))
    assert created[4] == "by mail from ivan.petrov@client.example; address recovered from Reply-To"
    assert created[3] == ("by mail from ivan.petrov@client.example; address read from a malformed From: "
                          "no @ in the address: 'Petrov'")
    assert names["ivan.petrov@client.example"] == "Petrov, Ivan"  # the name recovered with the address

    quarantined = [json.loads(line) for line in deskbot("quarantine", "--json", config=config).stdout.splitlines()]
    assert [(q["uid"], q["reason"]) for q in quarantined] == [
        (5, "no usable sender: From: encoded-word inside the address: '=?utf-8?Q?director?=@victim.example'"),
        (6, "no usable sender: From: 2 different addresses (ivan.petrov@client.example, boss@client.example) "
            "and no usable Sender to tell which one wrote"),
        (9, "no usable sender: From: empty address <>"),
    ]
