"""A reply goes to the ticket it replies to, end to end: `deskbot run`, Dovecot in, the fake Telegram,
the SMTP sink out. Sam waits to answer Anna (#1) and replies to Boris's card (#2): Boris gets that
answer, Anna gets nothing from it; the prompt waits on, and what Sam types next reaches Anna.
"""
from __future__ import annotations

import pytest

from deskbot.demo.botapi import FakeTelegram
from harness.mails import eventually, make_mail
from harness.service_run import SAM, assigned_to_sam, deskbot_run, people

pytestmark = pytest.mark.dovecot


def answers(smtp_sink) -> list[tuple[list[str], str]]:
    """(recipients, plain text) of every mail that is not an acknowledgement."""
    return [(m.rcpt_to, m.message.get_body(("plain",)).get_content()) for m in smtp_sink.received
            if m.message["Auto-Submitted"] is None]


async def test_a_reply_to_the_other_tickets_card_mails_that_customer_only(tmp_path, dovecot, smtp_sink):
    async with FakeTelegram() as fake:
        people(fake)
        async with deskbot_run(tmp_path, dovecot, fake, smtp=smtp_sink) as desk:
            dovecot.append(make_mail("Printer jammed", message_id="<p1@client.test>"))
            anna = await assigned_to_sam(desk, fake, "Printer jammed")
            dovecot.append(make_mail("VPN down", sender="Boris Ivanov <boris@other.test>",
                                     message_id="<v1@other.test>"))
            await assigned_to_sam(desk, fake, "VPN down")
            boris = await fake.wait_for_bot_message(SAM, text_contains="#2 VPN down", timeout=10)
            await eventually(lambda: len(smtp_sink.received) == 2, timeout=20, what="both acknowledgements")

            await desk.press(SAM, SAM, anna.message_id, "Answer")
            await fake.wait_for_bot_message(SAM, text_contains="Type your answer to anna@client.test on #1",
                                            timeout=10)
            fake.user_message(SAM, "Boris, the VPN is up again.", reply_to=boris.message_id)
            await fake.wait_for_bot_message(SAM, text_contains="still waiting for your answer to the customer on #1",
                                            timeout=10)
            await fake.wait_for_bot_message(SAM, text_contains="✅ Your answer on #2 was delivered to boris@other.test",
                                            timeout=20)
            [(to, text)] = answers(smtp_sink)
            assert to == ["boris@other.test"] and "Boris, the VPN is up again." in text

            fake.user_message(SAM, "Anna, the printer works.")  # the prompt waited on
            await fake.wait_for_bot_message(SAM, text_contains="✅ Your answer on #1 was delivered to anna@client.test",
                                            timeout=20)
        assert [(to, "VPN" in text, "printer works" in text) for to, text in answers(smtp_sink)] == [
            (["boris@other.test"], True, False), (["anna@client.test"], False, True)]
