"""Parser worker processes: a message that kills its worker is quarantined, the rest is parsed."""
from harness.crashy import parse_or_die
from harness.mails import make_mail

from deskbot.mailbox.identity import mail_key
from deskbot.mailbox.inbound import ParseOptions
from deskbot.mailbox.parse_pool import ParsePool


async def test_parses_in_workers():
    pool = ParsePool(ParseOptions(), workers=2)
    try:
        mails = await pool.parse([make_mail("One"), make_mail("Two")])
        assert [m.subject for m in mails] == ["One", "Two"]
    finally:
        pool.close()


async def test_a_message_that_kills_its_worker_is_singled_out():
    pool = ParsePool(ParseOptions(), workers=2, parse_fn=parse_or_die)
    try:
        evil = make_mail("Evil", body="KILL-THE-PARSER")
        mails = await pool.parse([make_mail("Fine"), evil, make_mail("Also fine")])
        assert [m.subject for m in mails] == ["Fine", "", "Also fine"]
        assert mails[1].sender is None and mails[1].sender_error == "the parser crashed on this message"
        assert mails[1].key == mail_key(evil)  # what a parse would key it by: a refetch is still this mail
        assert [m.subject for m in await pool.parse([make_mail("After")])] == ["After"]
    finally:
        pool.close()
