"""The cabinet's contract pages: the reports a manager sent, the finance figures, and the tariff
change request. Who may see them is decided in dispatch.visibility.contract_of; anyone else gets 404."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from aiohttp import web

from deskbot.dispatch import contracts, reports, tariffs, visibility
from deskbot.storage.models import Staff
from deskbot.web.cabinet import _viewer
from deskbot.web.pages import CLOCK, CONFIG, SESSIONS, TARIFF_WORDING, not_found, render


def routes() -> list[web.RouteDef]:
    return [web.get("/reports", report_list), web.get(r"/reports/{id:\d{1,9}}", report_file),
            web.get("/finance", finance), web.post("/finance/tariff", ask_tariff)]


async def report_list(request: web.Request) -> web.Response:
    who = await _viewer(request)
    async with request.app[SESSIONS]() as db:
        found = await visibility.reports(db, who)
    if found is None:
        return await not_found(request)
    return await render(request, "reports.html", who=who, reports=found)


async def report_file(request: web.Request) -> web.StreamResponse:
    """The PDF shown in the browser, or (?download=1) saved as a file."""
    who = await _viewer(request)
    async with request.app[SESSIONS]() as db:
        found = await visibility.report_pdf(db, who, int(request.match_info["id"]))
    if found is None:
        return await not_found(request)
    name, pdf = found
    disposition = "attachment" if request.query.get("download") == "1" else "inline"
    return web.Response(body=pdf, content_type="application/pdf", headers={
        "Content-Disposition": f"{disposition}; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"})


async def finance(request: web.Request, *, sent: bool = False, error: str | None = None, status: int = 200,
                  comment: str = "") -> web.Response:
    who = await _viewer(request)
    now: datetime = request.app[CLOCK].now()
    async with request.app[SESSIONS]() as db:
        contract = await visibility.contract_of(db, who)
        if contract is None:
            return await not_found(request)
        terms = contracts.terms(contract)
        month = await reports.month_so_far(db, request.app[CONFIG], contract, now)
        manager = await db.get(Staff, contract.manager_id) if contract.manager_id is not None else None
        asked = await visibility.tariff_requests(db, who)
    package = terms.package_hours
    left = None if package is None else max(package - month.used_hours, 0)
    return await render(request, "finance.html", status=status, who=who, contract=contract, terms=terms, month=month,
                        left=left, fields=contracts.extra_fields(contract),
                        manager=manager if manager is not None and manager.active else None, asked=asked,
                        changes=tariffs.CHANGES, sent=sent or request.query.get("sent") == "1", error=error,
                        comment=comment)


async def ask_tariff(request: web.Request) -> web.StreamResponse:
    who = await _viewer(request)
    form = await request.post()
    change, comment = str(form.get("change", "")), str(form.get("comment", ""))
    if change not in tariffs.CHANGES:
        return await finance(request, error="web-tariff-choose", status=400, comment=comment[:tariffs.COMMENT_CHARS])
    app = request.app
    async with app[SESSIONS].begin() as db:
        contract = await visibility.contract_of(db, who)
        if contract is None:
            return await not_found(request)
        # Without the bot's wording (a web face built without it) the request is still kept for the manager.
        await tariffs.ask(db, app[CONFIG], contract, who.customer_id, who.name or who.email, change, comment,
                          app[CLOCK].now(), app[TARIFF_WORDING])
    raise web.HTTPSeeOther("/finance?sent=1#tariff")  # on a phone the confirmation is far below the top
