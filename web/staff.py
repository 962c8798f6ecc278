"""Staff sign in with the one-time link that /web gives them in Telegram, landing on a confirm button."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from deskbot.dispatch import web_access
from deskbot.storage.models import Staff
from deskbot.web.login import start_session
from deskbot.web.guards import PERSON
from deskbot.web.pages import CLOCK, CONFIG, SESSIONS, not_found, render


def routes() -> list[web.RouteDef]:
    return [web.get("/staff", home), web.get("/staff/sign-in/{token}", confirm),
            web.post("/staff/sign-in/{token}", sign_in)]


async def confirm(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    async with request.app[SESSIONS]() as db:
        live = await web_access.link_is_live(db, token, request.app[CLOCK].now())
    if not live:
        return await render(request, "message.html", status=410, title="web-link-spent-title", text="web-link-spent")
    return await render(request, "staff_sign_in.html", token=token)


async def sign_in(request: web.Request) -> web.StreamResponse:
    app = request.app
    async with app[SESSIONS].begin() as db:
        staff = await web_access.redeem_link(db, request.match_info["token"], app[CLOCK].now())
        if staff is not None:
            await start_session(request, db, "staff", staff.id, app[CONFIG].web.staff_session)
    if staff is None:
        return await render(request, "message.html", status=410, title="web-link-spent-title", text="web-link-spent")
    raise web.HTTPSeeOther("/staff")


async def home(request: web.Request) -> web.Response:
    """For now who is signed in and with which roles; the board comes here."""
    person = request[PERSON]
    if person is None:
        return await render(request, "message.html", status=401, title="web-staff-sign-in-title",
                            text="web-staff-sign-in")
    if person.kind != "staff":
        return await not_found(request)  # a customer learns nothing about the staff's pages
    async with request.app[SESSIONS]() as db:
        staff = await db.scalar(select(Staff).where(Staff.id == person.id, Staff.active.is_(True)))
    if staff is None:
        return await not_found(request)
    return await render(request, "staff.html", staff=staff, roles=sorted(staff.role_set))
