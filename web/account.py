"""Who is logged in, their live sessions (each can be ended) and the ways out (the forms post to web/login.py).
Customers at /account; staff at /staff/account (web/staff.py uses `session_lines`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from sqlalchemy import select

from deskbot.dispatch import web_access
from deskbot.storage.models import Staff
from deskbot.web.cabinet import _viewer
from deskbot.web.guards import PERSON, Person
from deskbot.web.pages import CLOCK, SESSIONS, not_found, render

# The first match names it: Edge and Opera say "Chrome" too, Chrome says "Safari", so the order matters.
_BROWSERS = (("Edge", r"Edg(e|A|iOS)?/"), ("Opera", r"OPR/|Opera"), ("Yandex Browser", r"YaBrowser/"),
             ("Samsung Internet", r"SamsungBrowser/"), ("Firefox", r"Firefox/|FxiOS/"), ("Chrome", r"Chrome/|CriOS/"),
             ("Safari", r"Safari/"))
_SYSTEMS = (("iPhone", r"iPhone"), ("iPad", r"iPad"), ("Android", r"Android"), ("Windows", r"Windows"),
            ("macOS", r"Mac OS X|Macintosh"), ("ChromeOS", r"CrOS"), ("Linux", r"Linux"))


@dataclass(frozen=True)
class SessionLine:
    id: int
    this: bool  # the browser looking at the page
    browser: str  # "" when unknown
    system: str
    client: str
    started: datetime
    seen: datetime
    ends: datetime


def device(user_agent: str) -> tuple[str, str]:
    """(browser, system) in plain words from a User-Agent; "" for what it does not tell."""
    def first(table) -> str:
        return next((name for name, pattern in table if re.search(pattern, user_agent)), "")
    return first(_BROWSERS), first(_SYSTEMS)


async def session_lines(request: web.Request, person: Person) -> list[SessionLine]:
    async with request.app[SESSIONS]() as db:
        rows = await web_access.sessions_of(db, person.kind, person.id, request.app[CLOCK].now())
    return [SessionLine(row.id, row.id == person.session, *device(row.user_agent), row.client, row.created_at,
                        row.last_seen_at, row.expires_at) for row in rows]


def routes() -> list[web.RouteDef]:
    return [web.get("/account", account), web.get("/staff/account", staff_account)]


async def account(request: web.Request) -> web.Response:
    who = await _viewer(request)
    return await render(request, "account.html", who=who, sessions=await session_lines(request, request[PERSON]))


async def staff_account(request: web.Request) -> web.Response:
    """A staff member's name, roles and live sessions; like /staff, nothing for anyone else."""
    person = request[PERSON]
    if person is None:
        return await render(request, "message.html", status=401, title="web-staff-sign-in-title",
                            text="web-staff-sign-in")
    if person.kind != "staff":
        return await not_found(request)
    async with request.app[SESSIONS]() as db:
        staff = await db.scalar(select(Staff).where(Staff.id == person.id, Staff.active.is_(True)))
    if staff is None:
        return await not_found(request)
    return await render(request, "staff_account.html", staff=staff, roles=sorted(staff.role_set),
                        sessions=await session_lines(request, person))
