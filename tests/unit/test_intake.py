from datetime import datetime, timedelta, timezone

from deskbot.dispatch.intake import (
    Decision,
    KnownIds,
    Match,
    Outcome,
    TicketParties,
    after_close,
    decide,
    find_ticket,
    note_unclear_thread,
    organization_domain,
    subject_tags,
)
from deskbot.mailbox.inbound import Address, InboundMail

OURS = {"support@desk.test"}


def mail(sender="anna@client.test", subject="Printer down", **kw) -> InboundMail:
    return InboundMail(key="k", size=1, sender=Address(sender, "Anna") if sender else None, subject=subject, **kw)


def parties(ticket_id=7, customer="anna@client.test", domain="client.test", addresses=()):
    return {ticket_id: TicketParties(ticket_id, customer, domain, frozenset(addresses))}


def received(**tickets) -> KnownIds:
    """Received Message-IDs `a@x` ... as keyword names a, b, ... -> the tickets each is on."""
    return KnownIds(received={f"{name}@x": set(numbers) for name, numbers in tickets.items()})


def found(m, known=None, tagged=None) -> int | None:
    return find_ticket(m, known or KnownIds(), tagged or {}).ticket_id


def test_in_reply_to_wins_over_references():
    m = mail(in_reply_to=["b@x"], references=["a@x", "b@x"])
    assert found(m, received(a=[1], b=[2])) == 2


def test_latest_reference_first():
    m = mail(references=["root@x", "middle@x", "last@x"])
    assert found(m, received(root=[1], last=[3])) == 3


def test_our_own_message_id_is_the_strongest_evidence():
    m = mail(in_reply_to=["a@x"], references=["ours@desk.test", "a@x"], subject="Re: [#9]")
    known = KnownIds(ours={"ours@desk.test": 5}, received={"a@x": {2}})
    assert find_ticket(m, known, parties(9)) == Match(5)


def test_a_tag_from_an_allowed_sender_beats_a_received_message_id():
    m = mail(in_reply_to=["a@x"], subject="Re: Printer [#9]")
    assert found(m, received(a=[2]), parties(9)) == 9
    assert found(mail("mallory@evil.test", "Re: [#9]", in_reply_to=["a@x"]), received(a=[2]), parties(9)) == 2


def test_a_received_message_id_on_two_tickets_is_no_evidence_a_new_ticket_is_opened():
    m = mail(in_reply_to=["reused@x"])
    match = find_ticket(m, KnownIds(received={"reused@x": {4, 2}}), {})
    assert match == Match(None, ("reused@x", (2, 4)))
    assert decide(m, match.ticket_id, OURS).outcome is Outcome.TICKET


def test_an_ambiguous_reference_gives_way_to_an_unambiguous_older_one():
    m = mail(in_reply_to=["reused@x"], references=["root@x", "reused@x"])
    assert found(m, KnownIds(received={"reused@x": {2, 4}, "root@x": {4}})) == 4


def test_an_ambiguous_reference_gives_way_to_stronger_evidence():
    m = mail(in_reply_to=["reused@x"], subject="Re: [#7]")
    assert find_ticket(m, KnownIds(received={"reused@x": {2, 4}}), parties()) == Match(7)
    assert find_ticket(m, KnownIds(ours={"reused@x": 3}, received={"reused@x": {2, 4}}), {}) == Match(3)


def test_the_reason_says_why_no_ticket_was_joined():
    opened = note_unclear_thread(Decision(Outcome.TICKET), "reused@x", [4, 2])
    assert opened == Decision(Outcome.TICKET, reason="its reference <reused@x> is on tickets #2, #4: "
                                                     "a new ticket rather than a guess")
    auto = note_unclear_thread(Decision(Outcome.QUARANTINE, reason="automatic mail that answers no ticket (x)"),
                               "reused@x", [2, 4])
    assert auto.reason == ("automatic mail that answers no ticket (x); "
                           "its reference <reused@x> is on tickets #2, #4, so it answers none of them")


def test_subject_tag_from_the_customer_threads():
    assert found(mail(subject="Re: Printer [#7]"), tagged=parties()) == 7


def test_subject_tag_from_colleague_in_same_organization_threads():
    assert found(mail("boss@client.test", "Re: [#7]"), tagged=parties()) == 7


def test_subject_tag_from_an_address_already_on_the_ticket_threads():
    assert found(mail("it@partner.test", "[#7]"), tagged=parties(addresses={"it@partner.test"})) == 7


def test_forged_subject_tag_from_a_stranger_does_not_thread():
    assert found(mail("mallory@evil.test", "Re: [#7]"), tagged=parties()) is None


def test_tag_on_free_mail_ticket_only_admits_the_customer():
    free = parties(customer="anna@gmail.com", domain=None)
    assert found(mail("anna@gmail.com", "[#7]"), tagged=free) == 7
    assert found(mail("eve@gmail.com", "[#7]"), tagged=free) is None


def test_unknown_tag_and_no_references_open_nothing():
    assert find_ticket(mail(subject="[#404]"), KnownIds(), {}) == Match(None)


def test_subject_tags():
    assert subject_tags("Re: [#12] and [#3] but not [#x] or #4") == [12, 3]


def test_person_mail_without_ticket_opens_one():
    assert decide(mail(), None, OURS) == Decision(Outcome.TICKET)


def test_reply_is_added():
    assert decide(mail(), 5, OURS) == Decision(Outcome.REPLY, 5)


def test_no_sender_is_quarantined_with_reason():
    d = decide(mail(sender=None, sender_error="encoded-word in address"), None, OURS)
    assert d.outcome is Outcome.QUARANTINE
    assert d.reason == "no usable sender: encoded-word in address"


def test_auto_reply_never_opens_a_ticket():
    auto = mail(auto="Auto-Submitted: auto-replied")
    assert decide(auto, None, OURS) == Decision(
        Outcome.QUARANTINE, reason="automatic mail that answers no ticket (Auto-Submitted: auto-replied)"
    )
    assert decide(auto, 5, OURS) == Decision(Outcome.AUTO, 5, "Auto-Submitted: auto-replied")


def test_our_own_mail_never_opens_a_ticket():
    own = mail("support@desk.test")
    assert decide(own, None, OURS).outcome is Outcome.QUARANTINE
    assert decide(own, 3, OURS) == Decision(Outcome.AUTO, 3, "mail from our own address support@desk.test")


def test_organization_by_domain_except_free_mail():
    free = {"gmail.com", "mail.ru"}
    assert organization_domain("anna@client.test", free) == "client.test"
    assert organization_domain("anna@gmail.com", free) is None


def test_a_reply_to_a_closed_ticket_reopens_it_within_the_window_and_follows_it_after():
    now = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    window = timedelta(days=14)
    reply = Decision(Outcome.REPLY, 5)
    assert after_close(reply, None, now, window) is reply  # open ticket: a plain reply
    assert after_close(reply, now - window, now, window) == Decision(Outcome.REPLY, 5, "reopened", reopens=True)
    late = after_close(reply, now - window - timedelta(seconds=1), now, window)
    assert (late.outcome, late.ticket_id, late.follows) == (Outcome.TICKET, None, 5)
    auto = Decision(Outcome.AUTO, 5, "Auto-Submitted: auto-replied")
    assert after_close(auto, now - timedelta(days=1), now, window) is auto  # automatic mail reopens nothing


def test_a_sender_recovered_from_reply_to_threads_by_tag_only_as_an_address_on_the_ticket():
    recovered = dict(subject="Re: [#7]", sender_source="Reply-To", sender_note="address recovered from Reply-To")
    assert found(mail("anna@client.test", **recovered), KnownIds(), parties()) == 7
    assert found(mail("it@partner.test", **recovered), KnownIds(), parties(addresses={"it@partner.test"})) == 7
    assert found(mail("boss@client.test", **recovered), KnownIds(), parties()) is None  # the domain is not enough
    assert found(mail("boss@client.test", sender_source="Sender", subject="[#7]"), KnownIds(), parties()) is None
    assert found(mail("boss@client.test", **recovered, in_reply_to=["ours@desk.test"]),
                 KnownIds(ours={"ours@desk.test": 9}), parties()) == 9


def test_a_sender_read_from_a_malformed_from_threads_by_tag_like_any_other():
    m = mail("boss@client.test", subject="[#7]", sender_note="address read from a malformed From: ...")
    assert found(m, KnownIds(), parties()) == 7
