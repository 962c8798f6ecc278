"""Routing rules as people meet them: `deskbot run`, Dovecot in, the fake Telegram out.

A mail that matches a rule reaches its person without a tap; the cards say which rule did it and why;
a dispatcher overrides the rule with the card's buttons, and the audit log keeps both.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from deskbot.demo.botapi import FakeTelegram
from deskbot.storage.models import Ticket, TicketEvent
from harness.mails import make_mail
from harness.service_run import DANA, DISPATCHERS, SAM, deskbot_run, people

pytestmark = pytest.mark.dovecot
RULES = """
[[rules]]
name = "Printers to Sam"
set = "routing"
subject = ["printer", "принтер"]
department = "support"
assign = "Sam"
priority = "high"
tags = ["printer"]
"""


async def test_a_rule_assigns_without_a_tap_and_a_dispatcher_overrides_it(tmp_path, dovecot):
    async with FakeTelegram() as fake:
        people(fake)
        async with deskbot_run(tmp_path, dovecot, fake, extra=RULES) as desk:
            dovecot.append(make_mail("Не работает принтер"))
            private = await fake.wait_for_bot_message(SAM, text_contains="by rule «Printers to Sam»", timeout=30)
            assert "Assigned to you by rule «Printers to Sam»" in private.text
            assert "🔺 Priority: high" in private.text and "🏷 #printer" in private.text
            assert [b["text"] for b in private.buttons()][:1] == ["Take"]
            assert fake.calls("answerCallbackQuery") == []  # nobody tapped anything

            card = await desk.card("Не работает принтер")
            assert "✅ Assigned to Sam by rule «Printers to Sam»" in card.text
            assert "Support, priority high, #printer, by rule «Printers to Sam» (subject has «принтер»)" in card.text
            # The buttons a dispatcher overrides it with: the department's people.
            assert {"Dana", "Sam"} <= {b["text"] for b in card.buttons()}

            await desk.press(DANA, DISPATCHERS, card.message_id, "Dana")
            shown = lambda: fake.message(DISPATCHERS, card.message_id)  # noqa: E731
            await fake.wait_for(lambda: "✅ Assigned by Dana to Dana" in shown().text, timeout=10,
                                what="the dispatcher card after the override")
            assert not shown().button_data()
            await fake.wait_for_bot_message(DANA, text_contains="Dana assigned you a ticket", timeout=10)
            await fake.wait_for(lambda: not fake.message(SAM, private.message_id).button_data(), timeout=10,
                                what="Sam's card losing its buttons")
            assert "↪️ Dana took it over." in fake.message(SAM, private.message_id).text
            async with desk.sessions() as s:
                ticket = await s.get(Ticket, 1)
                events = [(e.kind, e.detail) for e in await s.scalars(select(TicketEvent).order_by(TicketEvent.id))]
            assert (ticket.status, ticket.assigned_by_rule, ticket.priority, ticket.tags) == (
                "assigned", None, "high", "printer")
            assert events[1:] == [("routed", "to support by rule «Printers to Sam»"),
                                  ("assigned", "to Sam by rule «Printers to Sam»"),
                                  ("priority", "set to high by rule «Printers to Sam»"),
                                  ("tagged", "printer by rule «Printers to Sam»"),
                                  ("assigned", "to Dana instead of Sam (over rule «Printers to Sam»)")]
            await desk.outbox_settled()
        sent = fake.calls("sendMessage") + fake.calls("editMessageText") + fake.calls("editMessageReplyMarkup")
        assert [c for c in sent if c.status != 200 and "not modified" not in (c.description or "")] == []
