"""The request form at /new, served on 127.0.0.1 over the real database: a request becomes a ticket
through the mail intake, is acknowledged by e-mail (SMTP sink) and announced to the dispatchers."""
import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from deskbot.dispatch import web_form
from deskbot.demo.botapi import FakeTelegram, RateLimits
from deskbot.bot.delivery import TelegramSender
from deskbot.storage.models import Customer, Department, Organization, RawMail, Ticket
from harness.telegram import aiogram_bot
from harness.web import ANN, csrf_of, log_in
from harness.web_form import DISPATCHERS, acknowledge_and_send, announce, form_config, open_form

KIM = "kim@acme.example"


def _request(**more: str) -> dict[str, str]:
    return {"type": "printer", "name": "Kim Park", "email": KIM, "subject": "Printer jams",
            "text": "The printer on floor 2 eats paper.\nEvery time.", "website": "", **more}


async def _send(browser, data: dict, files: dict[str, tuple[str, bytes]] | None = None):
    """Post the form as a browser does: multipart, with the token its page carried."""
    import aiohttp

    page = await browser.page("/new")
    form = aiohttp.FormData()
    for name, value in {"csrf": csrf_of(page), **data}.items():
        form.add_field(name, value)
    for name, content in (files or {}).values():
        form.add_field("files", content, filename=name, content_type="application/octet-stream")
    response = await browser.client.post("/new", data=form, allow_redirects=False)
    return response, await response.text()


async def _count(sessions, model) -> int:
    async with sessions() as s:
        return await s.scalar(select(func.count()).select_from(model))


@pytest.fixture
async def form_desk(web_desk, tmp_path, smtp_sink):
    config = form_config(str(tmp_path / "files"), smtp=(smtp_sink.host, smtp_sink.port))
    browser = await open_form(config, web_desk.sessions, web_desk.clock)
    yield config, browser
    await browser.client.close()


async def test_a_request_becomes_a_ticket_acknowledged_and_announced(web_desk, form_desk, smtp_sink):
    config, browser = form_desk
    response, page = await _send(browser, _request(), {"f": ("photo.png", b"\x89PNG fake")})
    assert response.status == 200, page
    number = int(re.search(r"ticket #(\d+)", page).group(1))
    async with web_desk.sessions() as s:
        ticket = await s.get(Ticket, number)
        customer = await s.get(Customer, ticket.customer_id)
        organization = await s.get(Organization, ticket.organization_id)
        raw = await s.scalar(select(RawMail).where(RawMail.ticket_id == number))
    assert (customer.email, customer.name, organization.domain) == (KIM, "Kim Park", "acme.example")
    assert ticket.subject == "Printer jams" and ticket.status == "new"
    mail = message_from_bytes(raw.content, policy=policy.default)
    assert raw.mailbox == "web" and mail["X-Deskbot-Form"] == "web" and mail["X-Deskbot-Request-Type"] == "printer"
    assert [part.get_filename() for part in mail.iter_attachments()] == ["photo.png"]

    await acknowledge_and_send(config, web_desk.sessions, web_desk.clock, smtp_sink)
    [ack] = [m for m in smtp_sink.received if m.rcpt_to == [KIM]]  # the seeded tickets are acknowledged too
    assert f"[#{number}]" in ack.message["Subject"]

    assert await announce(config, web_desk.sessions, web_desk.clock) >= 1
    async with FakeTelegram(limits=RateLimits.off()) as fake, aiogram_bot(fake) as bot:
        fake.add_user(111, "Dina")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[111])
        sender = TelegramSender(bot, web_desk.sessions, web_desk.clock)
        for _ in range(10):  # the sender paces a chat: one message a drain, then the clock moves on
            await sender.drain_once()
            cards = [m for m in fake.bot_messages(DISPATCHERS) if f"#{number}" in m.text]
            if cards:
                break
            web_desk.clock.advance(timedelta(seconds=5))
        [card] = cards
    assert "Printer jams" in card.text and KIM in card.text
    # Routed to Printers by its type: the card offers that department's people at once.
    assert [b["text"] for b in card.buttons()] == ["Pat", "« Back"]
    assert card.button_data()[0].startswith("a2:")


async def test_the_request_type_routes_to_its_department(web_desk, form_desk):
    _, browser = form_desk
    _, page = await _send(browser, _request())
    routed = int(re.search(r"ticket #(\d+)", page).group(1))
    _, page = await _send(browser, _request(type="access"))
    plain = int(re.search(r"ticket #(\d+)", page).group(1))
    async with web_desk.sessions() as s:
        printers = await s.scalar(select(Department.id).where(Department.key == "printers"))
        assert (await s.get(Ticket, routed)).department_id == printers
        assert (await s.get(Ticket, plain)).department_id is None


async def test_required_fields_are_told_and_the_text_kept(web_desk, form_desk):
    _, browser = form_desk
    before = await _count(web_desk.sessions, Ticket)
    response, page = await _send(browser, _request(type="access", name="", subject="", text="I cannot log in"))
    assert response.status == 400
    assert "needs your name" in page and "needs a subject" in page
    assert "I cannot log in</textarea>" in page and f'value="{KIM}"' in page
    response, page = await _send(browser, _request(type="", email="not an address", text=" "))
    assert response.status == 400
    assert "Choose what the request is about" in page and "e-mail address" in page and "Write what happened" in page
    assert await _count(web_desk.sessions, Ticket) == before


async def test_too_big_is_refused_with_the_text_kept(web_desk, tmp_path, smtp_sink):
    config = form_config(str(tmp_path), form_max_upload="2KB", form_max_text=200)
    browser = await open_form(config, web_desk.sessions, web_desk.clock)
    before = await _count(web_desk.sessions, RawMail)
    response, page = await _send(browser, _request(text="Look at the file"), {"f": ("big.bin", b"x" * 3000)})
    assert response.status == 413 and "The files are too big" in page and "Look at the file</textarea>" in page
    response, page = await _send(browser, _request(text="y" * 201))
    assert response.status == 400 and "at most 200 characters" in page and "y" * 201 in page
    assert await _count(web_desk.sessions, RawMail) == before
    await browser.client.close()


async def test_a_filled_honeypot_looks_received_and_stores_nothing(web_desk, form_desk):
    _, browser = form_desk
    before = await _count(web_desk.sessions, RawMail)
    response, page = await _send(browser, _request(website="http://spam.example"))
    assert response.status == 200 and "your request was received" in page and "#" not in page.split("<main")[1]
    assert await _count(web_desk.sessions, RawMail) == before


async def test_requests_are_rate_limited_per_client_address_across_instances(web_desk, tmp_path):
    config = form_config(str(tmp_path), form_per_hour=2)
    one = await open_form(config, web_desk.sessions, web_desk.clock)
    other = await open_form(config, web_desk.sessions, web_desk.clock)  # a second instance of the desk
    assert (await _send(one, _request()))[0].status == 200
    assert (await _send(other, _request()))[0].status == 200
    response, page = await _send(one, _request(text="Third time"))
    assert response.status == 429 and "Too many requests" in page and "Third time</textarea>" in page
    web_desk.clock.advance(timedelta(hours=1))
    async with web_desk.sessions.begin() as s:  # the web sweep forgets what no longer counts
        assert await web_form.forget(s, web_desk.clock.now()) == 2
    assert (await _send(other, _request()))[0].status == 200
    await one.client.close()
    await other.client.close()


async def test_a_post_without_the_csrf_token_is_refused(web_desk, form_desk):
    _, browser = form_desk
    before = await _count(web_desk.sessions, RawMail)
    for token in ({}, {"csrf": "forged"}):
        response = await browser.client.post("/new", data={**_request(), **token}, allow_redirects=False)
        assert response.status == 403
    assert await _count(web_desk.sessions, RawMail) == before


async def test_a_script_in_the_subject_is_inert(web_desk, form_desk):
    _, browser = form_desk
    script = "<script>alert(1)</script>"
    response, page = await _send(browser, _request(subject=script, name=script, text=""))
    assert response.status == 400 and script not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    _, page = await _send(browser, _request(subject=script))
    number = int(re.search(r"ticket #(\d+)", page).group(1))
    async with web_desk.sessions() as s:
        assert (await s.get(Ticket, number)).subject == script  # kept as the text it is


async def test_the_form_off_or_for_customers_only(web_desk, tmp_path):
    off = await open_form(form_config(str(tmp_path), form="off"), web_desk.sessions, web_desk.clock)
    assert (await off.client.get("/new")).status == 404
    await off.client.close()
    browser = await open_form(form_config(str(tmp_path), form="customers"), web_desk.sessions, web_desk.clock)
    assert (await browser.client.get("/new", allow_redirects=False)).headers["Location"] == "/login"
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    response, page = await _send(browser, _request(email="someone.else@evil.example", name=""))
    number = int(re.search(r"ticket #(\d+)", page).group(1))
    async with web_desk.sessions() as s:
        ticket = await s.get(Ticket, number)
        assert (await s.get(Customer, ticket.customer_id)).email == ANN  # a customer writes as themselves
    await browser.client.close()


async def test_a_routed_ticket_handed_back_offers_every_department_again(web_desk, form_desk):
    from deskbot.bot.render.texts import Texts
    from deskbot.bot.sweeps.announce import department_buttons
    from deskbot.storage.models import TicketEvent

    _, browser = form_desk
    _, page = await _send(browser, _request())
    number = int(re.search(r"ticket #(\d+)", page).group(1))

    async def offered() -> list[str]:
        async with web_desk.sessions() as s:
            buttons = await department_buttons(s, [number], Texts("en"))
        return [b.text for row in buttons(number).inline_keyboard for b in row]

    assert await offered() == ["Pat", "« Back"]
    async with web_desk.sessions.begin() as s:
        s.add(TicketEvent(ticket_id=number, staff_id=None, kind="reassigned", detail="", at=web_desk.clock.now()))
    assert await offered() == ["Support", "Printers"]


async def test_a_stranger_cannot_write_into_a_customers_ticket(web_desk, form_desk):
    """Anyone may type any address on the public form: a [#N] there opens a ticket of its own."""
    _, browser = form_desk
    ann_ticket = web_desk.seeded.ann_open
    _, page = await _send(browser, _request(email=ANN, subject=f"Re: [#{ann_ticket}] more", text="Injected"))
    number = int(re.search(r"ticket #(\d+)", page).group(1))
    assert number != ann_ticket
    async with web_desk.sessions() as s:
        assert (await s.get(Ticket, number)).subject == f"Re: (#{ann_ticket}) more"
