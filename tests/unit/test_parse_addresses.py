"""Strict address parsing: who wrote a mail decides whose ticket it is (the sender itself: test_parse_sender)."""
from __future__ import annotations

import pytest

from deskbot.mailbox.addresses import parse_addresses
from deskbot.mailbox.inbound import Address


@pytest.mark.parametrize("header, address", [
    ("John Smith <John.Smith@Example.COM>", Address("john.smith@example.com", "John Smith")),
    ("anna@client.example", Address("anna@client.example")),
    ("anna@client.example (Anna Petrova)", Address("anna@client.example", "Anna Petrova")),
    ('"Smith, John" <js@client.example>', Address("js@client.example", "Smith, John")),
    ('"Joe \\"Q\\" Public" <joe@client.example>', Address("joe@client.example", 'Joe "Q" Public')),
    ('"Support <support@desk.example>" <x@client.example>',
     Address("x@client.example", "Support <support@desk.example>")),
    ("=?koi8-r?B?8NLJ18XU?= <a@client.example>", Address("a@client.example", "Привет")),
    ('"=?utf-8?B?0JjQstCw0L0=?=" <ivan@client.example>', Address("ivan@client.example", "Иван")),
    ("Ivan <IVAN@Пример.РФ>", Address("ivan@пример.рф", "Ivan")),
    ("<ivan@xn--e1afmkfd.xn--p1ai>", Address("ivan@пример.рф")),
    ('<"john doe"@client.example>', Address('"john doe"@client.example')),
    ('<"john"@client.example>', Address("john@client.example")),
    ("<@relay.example:user@client.example>", Address("user@client.example")),
])
def test_valid_mailboxes(header, address):
    assert parse_addresses([header]) == ([address], [])


def test_raw_utf8_display_name():
    header = "Jürgen Müller <j@partner.example>".encode().decode("ascii", "surrogateescape")

    assert parse_addresses([header]) == ([Address("j@partner.example", "Jürgen Müller")], [])


@pytest.mark.parametrize("header, reason", [
    ("=?utf-8?Q?attacker?Q?agent?=@victim.example",
     "encoded-word inside the address: '=?utf-8?Q?attacker?Q?agent?=@victim.example'"),
    ("Boss <=?utf-8?B?Ym9zcw==?=@victim.example>",
     "encoded-word inside the address: '=?utf-8?B?Ym9zcw==?=@victim.example'"),
    ("=?utf-8?B?Ym9zc0B2aWN0aW0uZXhhbXBsZQ==?=", "encoded-word inside the address: "
                                                 "'=?utf-8?B?Ym9zc0B2aWN0aW0uZXhhbXBsZQ==?='"),
    ("nobody", "no @ in the address: 'nobody'"),
    ("<@client.example>", "empty local part: '@client.example'"),
    ("user@localhost", "invalid domain: 'user@localhost'"),
    ("user@-client.example", "invalid domain: 'user@-client.example'"),
    ("user@client..example", "invalid domain: 'user@client..example'"),
    ("user@[192.0.2.1]", "invalid domain: 'user@[192.0.2.1]'"),
    ("user@client.123", "invalid domain: 'user@client.123'"),
    ("us er@client.example", "invalid local part: 'us er@client.example'"),
    ("x" * 65 + "@client.example", "local part longer than 64 characters: '" + "x" * 57 + "...'"),
    ("alice@client.example)<bob@client.example>",
     "unbalanced parenthesis in 'alice@client.example)<bob@client.example>'"),
    ("<a@client.example> <b@client.example>", "text after the address in '<a@client.example> <b@client.example>'"),
    ("<a@client.example <b@client.example>>", "unbalanced angle brackets in '<a@client.example <b@client.example>>'"),
    ("A <a@client.example> trailer", "text after the address in 'A <a@client.example> trailer'"),
    ("Ivan <>", "empty address <>"),
    ("<IMCEAEX-_O=CLIENT_OU=EXCHANGE_CN=RECIPIENTS_CN=IPETROV@client.local>",
     "Exchange-internal address (IMCEA), not a mailbox: 'IMCEAEX-_O=CLIENT_OU=EXCHANGE_CN=RECIPIENTS_CN=IPETROV@cl...'"),
    ("IMCEASMTP-ivan+40client+2Eexample@exch.client.example",
     "Exchange-internal address (IMCEA), not a mailbox: 'IMCEASMTP-ivan+40client+2Eexample@exch.client.example'"),
    ('"unterminated <a@client.example>', "unterminated quote or bracket in '\"unterminated <a@client.example>'"),
])
def test_refused_mailboxes_say_why(header, reason):
    assert parse_addresses([header]) == ([], [reason])


def test_an_encoded_angle_bracket_in_a_name_does_not_change_the_address():
    header = "=?utf-8?q?boss=40victim.example=3e?= <attacker@evil.example>"

    assert parse_addresses([header]) == ([Address("attacker@evil.example", "boss@victim.example>")], [])


def test_lists_and_groups():
    header = 'Team: "Smith, Anna" <anna@client.example>, bob@client.example;, carol@client.example'

    assert parse_addresses([header, "undisclosed-recipients:;"]) == ([
        Address("anna@client.example", "Smith, Anna"), Address("bob@client.example"),
        Address("carol@client.example")], [])
