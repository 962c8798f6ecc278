"""`deskbot demo`'s back end, driven through its HTTP API and WebSocket as the page drives it:
a customer's mail is worked through the whole loop, and the API refuses what it must."""
from __future__ import annotations

import aiohttp
import pytest

from deskbot.demo.folder import FolderNotOurs, fresh_folder
from deskbot.demo.people import CUSTOMER_ADDRESS, DISPATCH_CHAT
from harness.demo import button, demo_page, message_with

DANA, SAM = 1, 2


async def test_a_mail_is_worked_through_the_whole_loop(tmp_path):
    async with demo_page(tmp_path / "demo") as page:
        await page.do("mail", {"subject": "Printer & scanner down", "text": "The <b>printer</b> is down.",
                               "in_reply_to": None})
        card = await page.until(lambda s: button(message_with(s, DISPATCH_CHAT, "Printer &amp; scanner down"),
                                                 "Technical support") and message_with(s, DISPATCH_CHAT, "Printer"),
                                "the dispatcher card")
        assert "The &lt;b&gt;printer&lt;/b&gt; is down." in card["html"]  # the customer's text, escaped
        acknowledged = await page.until(lambda s: [m for m in s["mailbox"] if m["direction"] == "in"],
                                        "the acknowledgement in the customer's mailbox")
        assert "[#1]" in acknowledged[0]["subject"] and CUSTOMER_ADDRESS in acknowledged[0]["to"]

        refused = await page.do("press", {"chat_id": DISPATCH_CHAT, "user_id": SAM, "message_id": card["message_id"],
                                          "data": button(card, "Technical support")})
        assert refused["answer"] == {"text": "Only a dispatcher can assign tickets.", "show_alert": True}
        press = {"chat_id": DISPATCH_CHAT, "user_id": DANA, "message_id": card["message_id"]}
        await page.do("press", {**press, "data": button(card, "Technical support")})
        people = await page.until(lambda s: button(message_with(s, DISPATCH_CHAT, "Printer"), "Sam Ortiz")
                                  and message_with(s, DISPATCH_CHAT, "Printer"), "the person buttons")
        await page.do("press", {**press, "data": button(people, "Sam Ortiz")})

        private = await page.until(lambda s: message_with(s, SAM, "assigned you a ticket"), "Sam's card")
        mine = {"chat_id": SAM, "user_id": SAM, "message_id": private["message_id"]}
        await page.do("press", {**mine, "data": button(private, "Take")})
        taken = await page.until(lambda s: (m := message_with(s, SAM, "assigned you a ticket"))
                                 and button(m, "Answer") and not button(m, "Take") and m, "the card taken")
        await page.do("press", {**mine, "data": button(taken, "Answer")})
        await page.until(lambda s: message_with(s, SAM, "Type your answer"), "the answer prompt")
        await page.do("say", {"chat_id": SAM, "user_id": SAM, "text": "We replaced the toner; please try again.",
                              "reply_to": None})
        answer = await page.until(lambda s: [m for m in s["mailbox"] if "replaced the toner" in m["text"]],
                                  "the answer in the customer's mailbox", timeout=30)
        assert answer[0]["direction"] == "in" and answer[0]["subject"] == "Re: Printer & scanner down [#1]"
        assert answer[0]["in_reply_to"] == page.state["mailbox"][0]["message_id"]  # in the customer's thread

        await page.do("press", {**mine, "data": button(taken, "Close")})
        await page.until(lambda s: message_with(s, SAM, "How long did #1 take?"), "the question of the time")
        await page.do("say", {"chat_id": SAM, "user_id": SAM, "text": "1h 30m", "reply_to": None})
        await page.until(lambda s: message_with(s, DISPATCH_CHAT, "Closed by Sam Ortiz, 1 h 30 min recorded"),
                         "the dispatcher card saying so")
        assert page.versions == sorted(set(page.versions))  # each push a new version


async def test_the_customer_replies_in_the_thread(tmp_path):
    async with demo_page(tmp_path / "demo") as page:
        await page.do("mail", {"subject": "VPN", "text": "The VPN drops.", "in_reply_to": None})
        ack = await page.until(lambda s: [m for m in s["mailbox"] if m["direction"] == "in"], "the acknowledgement")
        await page.do("mail", {"subject": "Re: " + ack[0]["subject"], "text": "Also on my phone.",
                               "in_reply_to": ack[0]["message_id"]})
        sent = await page.until(lambda s: (out := [m for m in s["mailbox"] if m["direction"] == "out"])[1:] and out,
                                "the reply in the customer's mailbox")
        assert sent[1]["in_reply_to"] == ack[0]["message_id"]
        await page.do("say", {"chat_id": DANA, "user_id": DANA, "text": "/ticket 1", "reply_to": None})
        await page.until(lambda s: message_with(s, DANA, "Also on my phone."), "the reply in ticket 1's conversation")
        assert not message_with(page.state, DISPATCH_CHAT, "<b>#2</b>")  # a reply, not a second ticket


async def test_nags_come_at_the_demos_pace(tmp_path):
    async with demo_page(tmp_path / "demo", nag_every="2s") as page:
        await page.do("mail", {"subject": "Nobody takes this", "text": "Hello?", "in_reply_to": None})
        await page.until(lambda s: message_with(s, DISPATCH_CHAT, "Not assigned yet"), "a reminder", timeout=30)


async def test_typing_commands_a_burst_and_the_language_switch(tmp_path):
    async with demo_page(tmp_path / "demo") as page:
        await page.do("burst", {})
        await page.until(lambda s: message_with(s, DISPATCH_CHAT, "new tickets"), "the burst's digest")
        await page.do("say", {"chat_id": DANA, "user_id": DANA, "text": "/ticket 3", "reply_to": None})
        await page.until(lambda s: message_with(s, DANA, "<b>#3</b>"), "ticket 3's card in Dana's chat")

        await page.do("lang", {"lang": "ru"})
        await page.until(lambda s: s["lang"] == "ru", "the switch")
        await page.do("mail", {"subject": "Принтер", "text": "Не печатает.", "in_reply_to": None})
        # Its acknowledgement queues behind what is left of the burst's 43: 11-20 s on a loaded machine.
        ack = await page.until(lambda s: [m for m in s["mailbox"] if m["direction"] == "in"], "the acknowledgement",
                               timeout=60)
        assert "Мы получили ваше обращение «Принтер»" in ack[0]["text"]  # 43 tickets and 7 replies before it
        assert ack[0]["subject"] == "Re: Принтер [#44]"
        card = await page.until(lambda s: message_with(s, DISPATCH_CHAT, "Принтер"), "the card")
        assert "От: Alex Morgan" in card["html"] and card["buttons"]


async def test_the_api_refuses_what_it_must(tmp_path):
    async with demo_page(tmp_path / "demo") as page:
        url = page.demo.url
        async with page.http.get(url + "api/state", headers={"Host": "rebound.example"}) as response:
            assert response.status == 421  # DNS rebinding
        async with page.http.post(url + "api/burst", data="{}",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
            assert response.status == 415  # a cross-site form
        async with page.http.post(url + "api/burst", json={}, headers={"Origin": "https://evil.example"}) as response:
            assert response.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await page.http.ws_connect(url + "api/live", headers={"Origin": "https://evil.example"})
        assert (await page.post("press", {"chat_id": DISPATCH_CHAT, "user_id": DANA, "message_id": 99,
                                          "data": "d1:1:1"}))["ok"] is False  # no such message
        assert (await page.post("press", {"chat_id": DISPATCH_CHAT, "user_id": "1", "message_id": 1,
                                          "data": "d1:1:1"}))["ok"] is False
        assert (await page.post("say", {"chat_id": 3, "user_id": 2, "text": "hi", "reply_to": None}))["ok"] is False
        assert (await page.post("say", {"chat_id": 2, "user_id": 99, "text": "hi", "reply_to": None}))["ok"] is False
        assert (await page.post("lang", {"lang": "de"}))["ok"] is False
        assert (await page.post("mail", {"subject": "x", "text": "y", "in_reply_to": "<nope@x>"}))["ok"] is False
        sent = page.demo.fake.user_document(SAM, "notes.txt", "Заметки".encode(), caption="for the ticket")
        async with page.http.get(f"{url}api/file/{SAM}/{sent.message_id}") as response:
            assert (response.status, await response.read()) == (200, "Заметки".encode())
        shown = await page.until(lambda s: s["chats"][str(SAM)] and s["chats"][str(SAM)][-1]["document"], "the file")
        assert shown == {"name": "notes.txt", "url": f"/api/file/{SAM}/{sent.message_id}"}
        async with page.http.get(f"{url}api/file/{SAM}/999") as response:
            assert response.status == 404
        assert (await page.post("say", {"chat_id": 2, "user_id": 2, "text": "x" * 4097, "reply_to": None}))["ok"] is False
        async with page.http.get(url + "static/../api.py") as response:
            assert response.status == 404
        async with page.http.get(url) as response:
            assert response.status == 200 and "text/html" in response.headers["Content-Type"]
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        async with page.http.get(url + "api/words?lang=ru") as response:
            words = await response.json()
            assert response.status == 200 and all(key.startswith("demo-page-") for key in words)
        async with page.http.get(url + "api/words?lang=de") as response:
            assert response.status == 400


def test_the_folder_is_the_demos_own(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("years of work")
    with pytest.raises(FolderNotOurs):
        fresh_folder(tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.txt").exists()
    fresh_folder(tmp_path / "demo")
    (tmp_path / "demo" / "deskbot.sqlite3").write_text("an earlier run")
    fresh_folder(tmp_path / "demo")
    assert not (tmp_path / "demo" / "deskbot.sqlite3").exists()
