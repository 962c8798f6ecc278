"""Who wrote a mail: a clean From as written, a slightly broken one recovered, a forged one refused."""
from __future__ import annotations

import pytest

from deskbot.mailbox.inbound import Address
from deskbot.mailbox.sender import Sender, pick_sender

IVAN = "ivan@client.example"


@pytest.mark.parametrize("header, name, why", [
    ("ivan@client.example.", "", "invalid domain: 'ivan@client.example.'"),
    ("Ivan <ivan@client.example.>", "Ivan", "invalid domain: 'ivan@client.example.'"),
    ('"Ivan Petrov" ivan@client.example', "Ivan Petrov", "invalid local part: '\"Ivan Petrov\" ivan@client.example'"),
    ("Ivan Petrov ivan@client.example", "Ivan Petrov", "invalid local part: 'Ivan Petrov ivan@client.example'"),
    ("Ivan <ivan@client.example", "Ivan", "unterminated quote or bracket in 'Ivan <ivan@client.example'"),
    ('"Ivan Petrov <ivan@client.example>', "Ivan Petrov",
     "unterminated quote or bracket in '\"Ivan Petrov <ivan@client.example>'"),
    ("Ivan ivan@client.example>", "Ivan", "unbalanced angle brackets in 'Ivan ivan@client.example>'"),
    ("<ivan@client.example> Ivan", "Ivan", "text after the address in '<ivan@client.example> Ivan'"),
    ('"ivan@client.example" <>', "", "empty address <>"),
    ("ivan@client.example <>", "", "empty address <>"),
    ("Petrov, Ivan <ivan@client.example>", "Petrov, Ivan", "no @ in the address: 'Petrov'"),
    ("Ivan <ivan@client.example<mailto:ivan@client.example>>", "Ivan",
     "unbalanced angle brackets in 'Ivan <ivan@client.example<mailto:ivan@client.example>>'"),
    ("Ivan <mailto:ivan@client.example>", "Ivan", "invalid local part: 'mailto:ivan@client.example'"),
    ("<<ivan@client.example>>", "", "unbalanced angle brackets in '<<ivan@client.example>>'"),
    ("'ivan@client.example'", "", "invalid domain: \"'ivan@client.example'\""),
    ("=?utf-8?B?0JjQstCw0L0=?= ivan@client.example", "Иван",
     "encoded-word inside the address: '=?utf-8?B?0JjQstCw0L0=?= ivan@client.example'"),
    ('"ivan@client.example" <IMCEAEX-_O=CLIENT_CN=IPETROV@client.local>', "",
     "Exchange-internal address (IMCEA), not a mailbox: 'IMCEAEX-_O=CLIENT_CN=IPETROV@client.local'"),
])
def test_the_one_literal_address_of_a_broken_from_is_the_sender(header, name, why):
    assert pick_sender([header], [], []) == Sender(
        Address(IVAN, name), None, [], "From", f"address read from a malformed From: {why}")


@pytest.mark.parametrize("header, name", [
    ("ivan@client.example (Ivan)", "Ivan"),
    ("Ivan <ivan@client.example>, ", "Ivan"),
    ("ivan@client.example; Ivan <IVAN@client.example>", "Ivan"),
])
def test_a_from_read_as_written_has_no_note(header, name):
    assert pick_sender([header], [], []) == Sender(Address(IVAN, name), None, [], "From", None)


@pytest.mark.parametrize("header, error", [
    # Encoded-words never become an address, however the header is broken around them.
    ("=?utf-8?Q?attacker?Q?agent?=@victim.example",
     "From: encoded-word inside the address: '=?utf-8?Q?attacker?Q?agent?=@victim.example'"),
    ("Boss <=?utf-8?B?Ym9zcw==?=@victim.example",
     "From: encoded-word inside the address: '=?utf-8?B?Ym9zcw==?=@victim.example'"),
    ("=?utf-8?Q?boss?= @victim.example ivan@client.example",
     "From: encoded-word inside the address: '=?utf-8?Q?boss?= @victim.example ivan@client.example'"),
    ("=?utf-8?B?Ym9zc0B2aWN0aW0uZXhhbXBsZQ==?=",
     "From: encoded-word inside the address: '=?utf-8?B?Ym9zc0B2aWN0aW0uZXhhbXBsZQ==?='"),
    ("Ivan <ivan@client.example> =?utf-8?Q?x?=@victim.example",
     "From: encoded-word inside the address: '=?utf-8?Q?x?=@victim.example'"),
])
def test_an_encoded_word_where_an_address_is_written_is_forged_and_nothing_else_is_asked(header, error):
    assert pick_sender([header], ["Ivan <ivan@client.example>"], ["ivan@client.example"]) == Sender(None, error, [])


@pytest.mark.parametrize("header, error", [
    # A display name that decodes to an address is still a name; only literal text is an address.
    ('"=?utf-8?B?Ym9zc0B2aWN0aW0uZXhhbXBsZQ==?=" <>', "From: empty address <>"),
    ("=?utf-8?Q?boss=40victim.example?= <>", "From: empty address <>"),
    ("Ivan <>", "From: empty address <>"),
    ("Ivan Petrov/Client/RU@CLIENT", "From: invalid local part: 'Ivan Petrov/Client/RU@CLIENT'"),
    ("Scanner <scanner@MFP-2F>", "From: invalid domain: 'scanner@MFP-2F'"),
    ("root@localhost", "From: invalid domain: 'root@localhost'"),
    ("ivan@client.example, scanner@MFP-2F", "From: invalid domain: 'scanner@MFP-2F'"),
    ("Иван <иван@пример.рф.>", "From: invalid domain: 'иван@пример.рф.'"),
    ('"Petrov, Ivan" <IMCEAEX-_O=CLIENT_CN=IPETROV@client.local>',
     "From: Exchange-internal address (IMCEA), not a mailbox: 'IMCEAEX-_O=CLIENT_CN=IPETROV@client.local'"),
    ("<a@client.example> <b@client.example>",
     "From: 2 different addresses (a@client.example, b@client.example) and no usable Sender to tell which one wrote"),
])
def test_unrecoverable_from_is_refused_with_the_reason(header, error):
    assert pick_sender([header], [], []) == Sender(None, error, [])


@pytest.mark.parametrize("from_values", [[], [""], ["Scanner <scanner@MFP-2F>"], ["Ivan <>"]])
def test_sender_then_reply_to_when_from_has_no_usable_address(from_values):
    got = pick_sender(from_values, ["Ivan <ivan@client.example>"], ["anna@client.example"])
    assert (got.address, got.source, got.note) == (Address(IVAN, "Ivan"), "Sender", "address recovered from Sender")
    got = pick_sender(from_values, [], ["Ivan <ivan@client.example.>"])
    assert (got.address, got.source, got.note) == (Address(IVAN, "Ivan"), "Reply-To", "address recovered from Reply-To")


def test_the_from_problem_is_kept_for_the_log_when_reply_to_is_used():
    assert pick_sender(["Scanner <scanner@MFP-2F>"], [], ["ivan@client.example"]) == Sender(
        Address(IVAN), None, ["From: invalid domain: 'scanner@MFP-2F'"], "Reply-To", "address recovered from Reply-To")


def test_nothing_usable_anywhere_lists_every_reason():
    assert pick_sender(["Scanner"], ["a@client.example, b@client.example"], ["root@localhost"]) == Sender(
        None, "From: no @ in the address: 'Scanner'; Sender: 2 different addresses (a@client.example, "
              "b@client.example); Reply-To: invalid domain: 'root@localhost'", [])


def test_a_forged_sender_stops_the_search():
    assert pick_sender(["Scanner"], ["=?utf-8?Q?x?=@victim.example"], ["ivan@client.example"]) == Sender(
        None, "From: no @ in the address: 'Scanner'; Sender: encoded-word inside the address: "
              "'=?utf-8?Q?x?=@victim.example'", [])


@pytest.mark.parametrize("from_values, error", [
    ([], "no From header"),
    ([""], "empty From header"),
    (["undisclosed-recipients:;"], "empty From header"),
])
def test_no_from_and_nothing_else_says_so(from_values, error):
    assert pick_sender(from_values, [], []) == Sender(None, error, [])


def test_single_from_is_the_sender_even_with_sender_and_reply_to():
    assert pick_sender(["Anna <anna@client.example>"], ["list-bounces@lists.example"], ["x@other.example"]) == Sender(
        Address("anna@client.example", "Anna"), None, [])


def test_several_from_addresses_use_the_sender_header():
    assert pick_sender(["a@client.example, b@client.example"], ["Secretary <s@client.example>"], []) == Sender(
        Address("s@client.example", "Secretary"), None, ["2 From addresses, Sender used"], "Sender",
        "2 From addresses, Sender used")


def test_several_from_addresses_use_a_reply_to_naming_one_of_them():
    got = pick_sender(["a@client.example", "b@client.example"], [], ["B <b@client.example>"])
    assert (got.address, got.source) == (Address("b@client.example", "B"), "Reply-To")


@pytest.mark.parametrize("reply_to", [[], ["c@client.example"], ["a@client.example, b@client.example"]])
def test_several_from_addresses_and_no_clear_one_are_refused(reply_to):
    assert pick_sender(["a@client.example", "b@client.example"], [], reply_to) == Sender(
        None, "From: 2 different addresses (a@client.example, b@client.example) and no usable Sender to tell which "
              "one wrote", [])


def test_several_from_addresses_with_a_forged_sender_are_refused():
    assert pick_sender(["a@client.example, b@client.example"], ["=?utf-8?Q?a?=@client.example"], []) == Sender(
        None, "From: 2 different addresses (a@client.example, b@client.example) and no usable Sender to tell which "
              "one wrote", [])
