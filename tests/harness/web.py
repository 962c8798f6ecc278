"""The web face on a real database, driven through aiohttp's test client: a seeded desk of two
client organizations, log-in helpers and the CSRF token read from the page as a browser would."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from aiohttp.test_utils import TestClient, TestServer

from deskbot.dispatch import web_access
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.storage.models import Contract, Customer, Message, Organization, Staff, Ticket
from deskbot.web.app import build_app

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
KEY = bytes(range(32))
ANN, BOSS, EVE, JOE = "ann@acme.example", "boss@acme.example", "eve@other.example", "joe@nowhere.example"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def web_config(base_url: str = "", customers: str = "contract", smtp: tuple[str, int] | None = None) -> Config:
    host, port = smtp or ("", 25)
    return Config.model_validate({
        "mailbox": {"host": "imap.test", "username": "support@desk.example"},
        "smtp": {"host": host, "port": port, "security": "none", "from_address": "Desk <support@desk.example>"},
        "web": {"listen": "127.0.0.1:8080", "base_url": base_url, "customers": customers},
        "telegram": {"language": "en"},
    })


@dataclass
class Seeded:
    ann_open: int
    ann_closed: int
    boss: int
    eve: int
    dina: int  # staff id


async def seed(sessions) -> Seeded:
    """acme.example (contract; Boss is its client manager): Ann's two tickets and Boss's one;
    other.example (contract): Eve's ticket, whose subject is a script; staff: Dina."""
    now = START
    async with sessions.begin() as s:
        acme = Organization(domain="acme.example", name="Acme", created_at=now)
        other = Organization(domain="other.example", name="Other", created_at=now)
        s.add_all([acme, other])
        await s.flush()
        for org, manager in ((acme, BOSS), (other, None)):
            s.add(Contract(organization_id=org.id, number=f"C-{org.id}", starts_on=date(2026, 1, 1), currency="RUB",
                           monthly_fee_minor=0, bonus_minutes=0, hourly_rate_minor=0, overage_rate_minor=0,
                           recipients="", client_manager=manager, created_at=now, updated_at=now))
        people = {email: Customer(email=email, name=name, organization_id=org, created_at=now) for email, name, org in
                  ((ANN, "Ann Lee", acme.id), (BOSS, "Bo Ss", acme.id), (EVE, "Eve <b>X</b>", other.id),
                   (JOE, "Joe", None))}
        s.add_all(people.values())
        dina = Staff(telegram_id=111, name="Dina", roles="dispatcher,specialist", active=True)
        s.add(dina)
        await s.flush()

        def ticket(subject: str, who: str, status: str = "new", **more) -> Ticket:
            t = Ticket(subject=subject, status=status, customer_id=people[who].id,
                       organization_id=people[who].organization_id, created_at=now, updated_at=now, **more)
            s.add(t)
            return t

        ann_open = ticket("Printer on fire", ANN, "in_progress")
        ann_closed = ticket("VPN is down", ANN, "closed", closed_at=now + timedelta(hours=2), time_spent_minutes=90)
        boss = ticket("Budget for laptops", BOSS)
        eve = ticket("<script>alert(1)</script>", EVE)
        await s.flush()
        s.add_all([
            Message(ticket_id=ann_open.id, direction="in", sender_email=ANN, sender_name="Ann Lee",
                    body="The printer smokes.", created_at=now),
            Message(ticket_id=ann_open.id, direction="note", sender_email="", sender_name="Dina",
                    body="INTERNAL: she pressed the red button again", created_at=now),
            Message(ticket_id=ann_open.id, direction="out", sender_email="support@desk.example", sender_name="Dina",
                    body="We are on our way.", created_at=now),
            Message(ticket_id=eve.id, direction="in", sender_email=EVE, sender_name="Eve",
                    body="<img src=x onerror=alert(2)>", created_at=now),
        ])
        return Seeded(ann_open.id, ann_closed.id, boss.id, eve.id, dina.id)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


class Browser:
    """A client with its own cookie jar; `submit` sends a form with the token its page carried."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def page(self, path: str, status: int = 200, **kwargs) -> str:
        response = await self.client.get(path, allow_redirects=True, **kwargs)
        text = await response.text()
        assert response.status == status, (path, response.status, text[:500])
        return text

    async def submit(self, form_page: str, action: str, data: dict[str, str], **kwargs):
        html = await self.page(form_page)
        return await self.client.post(action, data={"csrf": csrf_of(html), **data}, allow_redirects=False, **kwargs)


def tariff_wording():
    """The bot's wording of a tariff request, as app/web.py hands it to the web face."""
    from deskbot.bot.render import tariffs
    from deskbot.bot.render.texts import Texts

    texts = Texts("en")
    return lambda notice: tariffs.message(notice, texts)


async def open_browser(config: Config, sessions, clock: FrozenClock, wake_mail=None) -> Browser:
    client = TestClient(TestServer(build_app(config, sessions, clock, KEY, wake_mail, tariff_wording())))
    await client.start_server()
    return Browser(client)


async def fresh_code(sessions, clock, email: str) -> str:
    """A code as the mail would carry it, without the mail: for tests about what comes after log-in."""
    async with sessions.begin() as s:
        asked = await web_access.request_code(s, KEY, email, "10.9.9.9", "contract", clock.now())
    assert asked.code is not None
    return asked.code


async def log_in(browser: Browser, sessions, clock, email: str) -> None:
    code = await fresh_code(sessions, clock, email)
    response = await browser.submit(f"/login/code?email={email}", "/login/code", {"email": email, "code": code})
    assert response.status == 303 and response.headers["Location"] == "/tickets", await response.text()


@dataclass
class WebDesk:
    sessions: object
    clock: FrozenClock
    seeded: Seeded
    browser: object  # async (config=None, wake_mail=None) -> Browser
