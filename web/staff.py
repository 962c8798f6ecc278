"""Staff sign in with the one-time link that /web gives them in Telegram, landing on a confirm button;
they land on the board (web/board.py)."""
from __future__ import annotations

from aiohttp import web

from deskbot.dispatch import web_access
from deskbot.web.login import start_session
from deskbot.web.pages import CLOCK, CONFIG, SESSIONS, render


def routes() -> list[web.RouteDef]:
    return [web.get("/staff/sign-in/{token}", confirm),
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
