"""The customer's cabinet: their tickets (or the organization's, for the client manager) and each conversation.
Every read goes through dispatch.visibility, which decides what this person may see."""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from deskbot.dispatch import visibility
from deskbot.web.guards import PERSON
from deskbot.web.pages import SESSIONS, not_found, render


def routes() -> list[web.RouteDef]:
    return [web.get("/", home), web.get("/tickets", ticket_list), web.get(r"/tickets/{number:\d{1,9}}", ticket_page)]


async def home(request: web.Request) -> web.StreamResponse:
    person = request[PERSON]
    raise web.HTTPSeeOther("/login" if person is None else "/tickets" if person.kind == "customer" else "/staff")


async def _viewer(request: web.Request) -> visibility.Viewer:
    person = request[PERSON]
    if person is None:
        raise web.HTTPSeeOther("/login")
    if person.kind != "customer":
        raise web.HTTPSeeOther("/staff")
    async with request.app[SESSIONS]() as db:
        who = await visibility.viewer(db, person.id)
    if who is None:
        raise web.HTTPSeeOther("/login")
    return who


async def ticket_list(request: web.Request) -> web.Response:
    who = await _viewer(request)
    status = request.query.get("status", "")
    status = status if status in visibility.STATUSES else ""
    text = request.query.get("q", "")[:200]
    try:
        page = int(request.query.get("page", "1"))
    except ValueError:
        page = 1
    async with request.app[SESSIONS]() as db:
        found = await visibility.tickets(db, who, status=status, text=text, page=max(1, min(page, 10**6)))

    def page_link(number: int) -> str:
        return "/tickets?" + urlencode({k: v for k, v in (("status", status), ("q", text), ("page", number)) if v})

    return await render(request, "tickets.html", who=who, found=found, chosen=status, text=text,
                        statuses=visibility.STATUSES, page_link=page_link)


async def ticket_page(request: web.Request) -> web.Response:
    who = await _viewer(request)
    async with request.app[SESSIONS]() as db:
        shown = await visibility.ticket(db, who, int(request.match_info["number"]))
    if shown is None:
        return await not_found(request)
    return await render(request, "ticket.html", who=who, shown=shown)
