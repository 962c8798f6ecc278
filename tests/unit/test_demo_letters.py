"""The demo's burst is a busy morning: many people of many organizations, two languages, replies
to earlier mail of the burst, files; every mail parses as a person's mail."""
from deskbot.demo.letters import burst
from deskbot.mailbox.parse import parse_mail


def test_fifty_varied_mails():
    new, replies = burst(50, seed=7)
    assert len(new) + len(replies) == 50 and len(replies) >= 5
    mails = [parse_mail(raw) for raw in new + replies]
    assert all(m.sender and not m.auto and m.message_id and m.text.strip() for m in mails)
    assert len({m.sender.email for m in mails}) >= 8
    assert len({m.sender.domain for m in mails}) >= 6
    assert any("Не" in m.subject or "С" in m.text for m in mails)  # Russian
    assert any(m.subject.isascii() for m in mails)  # English
    assert sum(len(m.attachments) for m in mails) >= 2
    firsts = {m.message_id: m for m in mails[:len(new)]}
    for reply in mails[len(new):]:
        [answered] = reply.in_reply_to
        assert answered in firsts and firsts[answered].sender == reply.sender
        assert reply.subject == "Re: " + firsts[answered].subject
    assert len({m.message_id for m in mails}) == 50
