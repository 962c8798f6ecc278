"""The customer's cabinet: their tickets (or the organization's, for the client manager) and each conversation.
Every read goes through dispatch.visibility, which decides what this person may see."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

from aiohttp import web

from deskbot.dispatch import visibility
from deskbot.web.guards import PERSON
from deskbot.web.pages import CLOCK, CONFIG, SESSIONS, not_found, render


def routes() -> list[web.RouteDef]:
    return [web.get("/", home), web.get("/tickets", ticket_list), web.get(r"/tickets/{number:\d{1,9}}", ticket_page),
            web.get(r"/tickets/{number:\d{1,9}}/files/{id:\d{1,12}}", ticket_file)]


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


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


async def ticket_list(request: web.Request) -> web.Response:
    who = await _viewer(request)
    query = request.query
    status = query.get("status", "")
    status = status if status in visibility.STATUSES else ""
    text = query.get("q", "")[:200]
    chosen = query.get("period", "")
    chosen = chosen if chosen in visibility.PERIODS else ""
    first, last = _day(query.get("from", "")), _day(query.get("to", ""))
    try:
        page = int(query.get("page", "1"))
    except ValueError:
        page = 1
    opened = visibility.period(chosen, first, last, request.app[CLOCK].now(), request.app[CONFIG].dispatch.timezone)
    async with request.app[SESSIONS]() as db:
        found = await visibility.tickets(db, who, status=status, text=text, page=max(1, min(page, 10**6)),
                                         opened=opened)
    kept = (("status", status), ("period", chosen), ("from", first.isoformat() if first else ""),
            ("to", last.isoformat() if last else ""), ("q", text))

    def page_link(number: int) -> str:
        return "/tickets?" + urlencode([(k, v) for k, v in (*kept, ("page", number)) if v])

    return await render(request, "tickets.html", who=who, found=found, chosen=status, text=text,
                        statuses=visibility.STATUSES, page_link=page_link, periods=visibility.PERIODS,
                        period=chosen, first=first.isoformat() if first else "", last=last.isoformat() if last else "")


async def ticket_page(request: web.Request) -> web.Response:
    who = await _viewer(request)
    async with request.app[SESSIONS]() as db:
        shown = await visibility.ticket(db, who, int(request.match_info["number"]))
    if shown is None:
        return await not_found(request)
    return await render(request, "ticket.html", who=who, shown=shown, viewable=VIEWABLE, size=_size)


def _size(size: int) -> tuple[str, str]:
    """(catalog key, figure) for a file's size."""
    if size < 1024:
        return "web-size-bytes", str(size)
    if size < 1024 * 1024:
        return "web-size-kb", str(round(size / 1024))
    return "web-size-mb", f"{size / 1024 / 1024:.1f}"


# Only these may open in the browser (?view=1), and only as themselves: with nosniff, a "PNG" that is HTML
# stays a broken image. Everything else is a download of application/octet-stream: never a page of ours.
VIEWABLE = {"image/png", "image/jpeg", "application/pdf"}


async def ticket_file(request: web.Request) -> web.StreamResponse:
    who = await _viewer(request)
    async with request.app[SESSIONS]() as db:
        found = await visibility.attachment(db, who, int(request.match_info["number"]), int(request.match_info["id"]))
    root = Path(request.app[CONFIG].mailbox.attachments_dir).resolve()
    target = (root / found.path).resolve() if found is not None else root
    if found is None or not target.is_relative_to(root) or not target.is_file():
        return await not_found(request)
    content_type = found.content_type.lower().strip()
    view = request.query.get("view") == "1" and content_type in VIEWABLE
    return web.FileResponse(target, headers={
        "Content-Type": content_type if view else "application/octet-stream",
        "Content-Disposition": disposition("inline" if view else "attachment", found.name)})


def disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback name for old clients and the real one as UTF-8 in filename*."""
    name = "".join(ch for ch in name if ch.isprintable()) or "attachment"
    fallback = "".join(ch if ch.isascii() and ch not in '"\\' else "_" for ch in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
