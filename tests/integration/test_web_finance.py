"""The cabinet's finance page: the contract as agreed, this month counted as its report counts it,
and the tariff change request that reaches the contract's manager."""
import argparse
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from deskbot.app import cli_reports
from deskbot.dispatch import contracts, hours, reports, tariffs
from deskbot.storage.models import Contract, OutboxMessage, TariffRequest
from harness.web import ANN, BOSS, EVE, csrf_of, log_in, web_config
from harness.web_contract import MANAGER_CHAT, add_manager, record_time, set_contract

ACME_TERMS = dict(number="SUP-7", kind="Support subscription", monthly_fee_minor=5_000_000, included_minutes=600,
                  bonus_minutes=120, hourly_rate_minor=120_000, overage_rate_minor=150_000,
                  fields=json.dumps([["Portal", "https://portal.acme.example"], ["Tariff", "<b>Gold</b>"]]))


async def _month_as_the_report_counts_it(sessions, now):
    zone = ZoneInfo(web_config().dispatch.timezone)
    start, end = hours.month_bounds(now.astimezone(zone).strftime("%Y-%m"), zone)
    async with sessions() as s:
        contract = await s.scalar(select(Contract).where(Contract.number == "SUP-7"))
        return hours.totals(contracts.terms(contract), await reports.month_lines(s, contract.organization_id, start, end))


async def test_the_contract_and_this_month_match_the_report(web_desk):
    seeded, now = web_desk.seeded, web_desk.clock.now()
    await set_contract(web_desk.sessions, "acme.example", **ACME_TERMS)
    await add_manager(web_desk.sessions, "acme.example")
    await record_time(web_desk.sessions, seeded.ann_closed, 90, now - timedelta(days=2))
    await record_time(web_desk.sessions, seeded.boss, 45, now - timedelta(hours=1))
    await record_time(web_desk.sessions, seeded.ann_open, 30, now - timedelta(hours=1), no_charge=True)
    await record_time(web_desk.sessions, seeded.ann_open, 600, now - timedelta(days=40))  # last month
    await record_time(web_desk.sessions, seeded.eve, 300, now)  # another organization's
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    page = await browser.page("/finance")
    for text in ("Support subscription", "SUP-7", "2026-01-01", "50000.00 RUB", "10.00 h", "1200.00 RUB", "1500.00 RUB",
                 "2.00 h", "Maria Manager", "https://portal.acme.example", "&lt;b&gt;Gold&lt;/b&gt;"):
        assert text in page, text
    expected = await _month_as_the_report_counts_it(web_desk.sessions, now)
    assert expected.used_hours == hours.quantize(hours.Decimal("2.25"))
    assert f"<dd>{expected.used_hours} h</dd>" in page and "<dd>9.75 h</dd>" in page
    assert f"<dd>{expected.overage_hours} h</dd>" in page


async def test_beyond_the_package_and_unlimited(web_desk):
    now = web_desk.clock.now()
    await set_contract(web_desk.sessions, "acme.example", **{**ACME_TERMS, "included_minutes": 60, "bonus_minutes": 0})
    await record_time(web_desk.sessions, web_desk.seeded.boss, 100, now)
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    page = await browser.page("/finance")
    assert "<dd>1.67 h</dd>" in page and "<dd>0.00 h</dd>" in page and "<dd>0.67 h</dd>" in page
    await set_contract(web_desk.sessions, "acme.example", included_minutes=None)
    assert page.count("unlimited") + 2 == (await browser.page("/finance")).count("unlimited")


async def test_only_those_the_organization_named_see_the_money(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    await browser.page("/finance", status=404)
    eve = await web_desk.browser()
    await log_in(eve, web_desk.sessions, web_desk.clock, EVE)
    await eve.page("/finance", status=404)  # other.example names nobody


async def test_a_tariff_request_reaches_the_manager_and_shows_its_status(web_desk):
    await set_contract(web_desk.sessions, "acme.example", **ACME_TERMS)
    await add_manager(web_desk.sessions, "acme.example")
    await record_time(web_desk.sessions, web_desk.seeded.boss, 45, web_desk.clock.now())
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    sent = await browser.submit("/finance", "/finance/tariff", {"change": "more_hours", "comment": "20 h <please>"})
    assert sent.status == 303 and sent.headers["Location"] == "/finance?sent=1#tariff"
    async with web_desk.sessions() as s:
        told = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.purpose == tariffs.PURPOSE)))
        kept = list(await s.scalars(select(TariffRequest)))
    assert [(row.chat_id, row.method) for row in told] == [(MANAGER_CHAT, "sendMessage")]
    text = json.loads(told[0].payload)["text"]
    for part in ("<b>Acme</b>", "More hours", "Bo Ss", "SUP-7", "50000.00 RUB", "10.00 h included + 2.00 h bonus",
                 "0.75 h used, 11.25 h left, 0.00 h beyond", "20 h &lt;please&gt;"):
        assert part in text, part
    assert [(k.change, k.status, k.comment) for k in kept] == [("more_hours", "open", "20 h <please>")]
    page = await browser.page("/finance?sent=1")
    assert "has reached your manager" in page and "<td>More hours</td>" in page and "<td>open</td>" in page
    async with web_desk.sessions.begin() as s:
        assert await tariffs.answered(s, kept[0].id, web_desk.clock.now())
    assert "<td>answered</td>" in await browser.page("/finance")


async def test_a_bad_or_foreign_tariff_request_is_refused(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    refused = await browser.submit("/finance", "/finance/tariff", {"change": "free everything", "comment": "keep me"})
    assert refused.status == 400 and "Choose what to change." in await refused.text()
    assert "keep me" in await refused.text()
    forged = await browser.client.post("/finance/tariff", data={"change": "more_hours"}, allow_redirects=False)
    assert forged.status == 403  # no CSRF token
    ann = await web_desk.browser()
    await log_in(ann, web_desk.sessions, web_desk.clock, ANN)
    html = await ann.page("/tickets")
    posted = await ann.client.post("/finance/tariff", data={"csrf": csrf_of(html), "change": "more_hours"},
                                   allow_redirects=False)
    assert posted.status == 404
    async with web_desk.sessions() as s:
        assert await s.scalar(select(TariffRequest.id)) is None
        assert await s.scalar(select(OutboxMessage.id).where(OutboxMessage.purpose == tariffs.PURPOSE)) is None


async def test_contract_fields_from_the_command_line_and_the_import_file(web_desk, tmp_path):
    parser = argparse.ArgumentParser()
    cli_reports.add_commands(parser.add_subparsers(dest="command"), argparse.ArgumentParser(add_help=False))

    async def run(*argv: str) -> int:
        return await cli_reports.run(parser.parse_args(list(argv)), web_config(), None, web_desk.sessions)

    assert await run("contracts", "edit", "--org", "acme.example", "--kind", "Support subscription",
                     "--field", "Portal=https://portal.acme.example/?a=b", "--field", "Tariff=Gold") == 0
    assert await run("contracts", "edit", "--org", "acme.example", "--field", "Tariff=Platinum",
                     "--field", "Phone=+7 495 000") == 0
    assert await run("contracts", "edit", "--org", "acme.example", "--field", "no equals sign") == 1
    batch = tmp_path / "contracts.toml"
    batch.write_text('[[contracts]]\norg = "acme.example"\nfields = { Phone = "", Wiki = "https://wiki.acme" }\n')
    assert await run("contracts", "import", str(batch)) == 0
    async with web_desk.sessions() as s:
        contract = await s.scalar(select(Contract).where(Contract.client_manager == BOSS))
    assert contract.kind == "Support subscription"
    assert contracts.extra_fields(contract) == [("Portal", "https://portal.acme.example/?a=b"), ("Tariff", "Platinum"),
                                                ("Wiki", "https://wiki.acme")]
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    page = await browser.page("/finance")
    assert "<dt>Portal</dt>" in page and "https://portal.acme.example/?a=b" in page and "Platinum" in page
