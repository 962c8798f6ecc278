"""`deskbot contracts`, `deskbot report` and `deskbot reports`: contracts and monthly reports from the shell."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from deskbot.dispatch.config import Config

_CONTRACT_OPTIONS = [
    ("number", "contract number"),
    ("start", "start date, YYYY-MM-DD"),
    ("fee", "monthly fee, e.g. 50000 or 49999.50"),
    ("hours", "hours included a month, or 'unlimited'"),
    ("bonus", "bonus hours a month, on top of the package"),
    ("rate", "hourly rate"),
    ("overage_rate", "rate for hours beyond the package"),
    ("currency", "currency code, e.g. RUB (default) or EUR"),
    ("manager", "Telegram id of the personal manager (a [[staff]] member with the manager role)"),
    ("recipients", "report recipients, comma-separated e-mail addresses"),
    ("client_manager", "the client's own manager: this address sees all the organization's tickets in the "
                       "web cabinet ('' for nobody)"),
    ("kind", "the kind of contract as the client calls it, e.g. 'Support subscription'"),
    ("calendar", "the business hours its SLA counts in: a [calendars] key of the config ('' for the desk's)"),
    ("first_response", "SLA first-response target in business time, e.g. 2h ('off' for none, '' for the desk's)"),
    ("resolution", "SLA resolution target in business time, e.g. 16h ('off' for none, '' for the desk's)"),
]


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    contracts = commands.add_parser("contracts", parents=[common], help="list, add, edit or import support contracts")
    actions = contracts.add_subparsers(dest="contracts_action", metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="list contracts (the default)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    for name, text in (("add", "add the contract of an organization"), ("edit", "change a contract's values")):
        action = actions.add_parser(name, parents=[common], help=text)
        action.add_argument("--org", required=True, help="the organization's e-mail domain, e.g. example.com")
        action.add_argument("--name", help="the organization's name as the report shows it")
        action.add_argument("--address", action="append", default=[],
                            help="an address of this organization on another domain (repeatable)")
        for option, help_text in _CONTRACT_OPTIONS:
            action.add_argument(f"--{option.replace('_', '-')}", dest=option, help=help_text)
        action.add_argument("--field", dest="fields", action="append", metavar="LABEL=VALUE",
                            help="a field the client's cabinet shows, e.g. 'Portal=https://...' (repeatable; "
                                 "'LABEL=' removes it)")
    importing = actions.add_parser("import", parents=[common], help="add or update contracts from a TOML file")
    importing.add_argument("file", help="[[contracts]] tables: org, name, addresses, then the fields above")
    report = commands.add_parser("report", parents=[common], help="make an organization's monthly report (PDF)")
    report.add_argument("--org", required=True, help="the organization's e-mail domain")
    report.add_argument("--month", required=True, help="YYYY-MM")
    report.add_argument("--out", help="where to write the PDF (default: report-<org>-<month>.pdf)")
    stored = commands.add_parser("reports", parents=[common], help="list the stored reports")
    stored.add_argument("--month", help="only this month, YYYY-MM")
    stored.add_argument("--json", action="store_true", help="one JSON object per line")


async def run(args: argparse.Namespace, config: Config, texts, sessions) -> int:
    """The command's work in `sessions` (an async_sessionmaker); the exit code."""
    from deskbot.dispatch.contracts import ContractError

    try:
        if args.command == "contracts":
            return await _contracts(args, config, sessions)
        if args.command == "report":
            return await _report(args, config, texts, sessions)
        return await _reports(args, sessions)
    except (ContractError, ValueError) as error:
        print(f"deskbot: {error}", file=sys.stderr)
        return 1


async def _contracts(args: argparse.Namespace, config: Config, sessions) -> int:
    from deskbot.dispatch import contracts

    now = datetime.now(timezone.utc)
    action = args.contracts_action or "list"
    if action == "import":
        entries = contracts.read_toml(args.file)
        async with sessions.begin() as session:
            added, changed = await contracts.import_entries(session, entries, now, calendars=list(config.calendars))
        print(f"{added} contract(s) added, {changed} changed")
        return 0
    if action in ("add", "edit"):
        values = {name: getattr(args, name) for name, _ in _CONTRACT_OPTIONS if getattr(args, name) is not None}
        if args.fields:
            values["fields"] = args.fields
        async with sessions.begin() as session:
            contract = await contracts.save(session, args.org, values, now, name=args.name,
                                            extra_addresses=args.address, create=action == "add",
                                            calendars=list(config.calendars))
        print(f"{args.org.lower()}: contract {contract.number} {'added' if action == 'add' else 'changed'}")
        return 0
    async with sessions() as session:
        rows = await contracts.listed(session)
    for row in rows:
        c, terms = row.contract, contracts.terms(row.contract)
        item = {"org": row.organization.domain, "name": row.organization.name, "number": c.number,
                "start": c.starts_on.isoformat(), "currency": c.currency, "fee": str(terms.monthly_fee),
                "hours": "unlimited" if terms.hours_included is None else str(terms.hours_included),
                "bonus": str(terms.bonus_hours), "rate": str(terms.hourly_rate),
                "overage_rate": str(terms.overage_rate), "manager": row.manager,
                "client_manager": c.client_manager or "", "kind": c.kind,
                "fields": dict(contracts.extra_fields(c)),
                "recipients": [a for a in c.recipients.split(",") if a],
                "calendar": c.sla_calendar or "", "first_response": contracts.sla_text(c.first_response_minutes),
                "resolution": contracts.sla_text(c.resolution_minutes)}
        if args.json:
            print(json.dumps(item, ensure_ascii=False))
        else:
            print(f"{item['org']:<24} {item['number']:<12} from {item['start']}  {item['fee']:>10} {c.currency}/month  "
                  f"{item['hours']:>9} h (+{item['bonus']})  over: {item['overage_rate']}/h  "
                  f"manager: {row.manager or '-'}  to: {', '.join(item['recipients']) or '-'}")
    if not args.json:
        print(f"{len(rows)} contract(s)")
    return 0


async def _report(args: argparse.Namespace, config: Config, texts, sessions) -> int:
    from deskbot.dispatch import reports

    async with sessions.begin() as session:
        organization = await reports.organization_of(session, args.org)
        made = await reports.make(session, config, texts, organization, args.month,
                                  datetime.now(timezone.utc))
        pdf, status = made.report.pdf, made.report.status
    out = Path(args.out or reports.file_name(made.organization, args.month))
    out.write_bytes(pdf)
    note = "" if made.fresh else f" (the {status} report, unchanged)"
    print(f"{out}: {made.report.tickets} ticket(s), {made.report.used_minutes} min, "
          f"total {made.report.total_due} {made.contract.currency}{note}")
    return 0


async def _reports(args: argparse.Namespace, sessions) -> int:
    from sqlalchemy import select

    from deskbot.storage.models import Organization, Report

    query = select(Report.id, Organization.domain, Report.month, Report.status, Report.tickets,
                   Report.used_minutes, Report.total_due, Report.created_at).join(Organization)
    if args.month:
        query = query.where(Report.month == args.month)
    async with sessions() as session:
        rows = (await session.execute(query.order_by(Report.month, Organization.domain))).all()
    for r in rows:
        if args.json:
            print(json.dumps({"id": r.id, "org": r.domain, "month": r.month, "status": r.status, "tickets": r.tickets,
                              "minutes": r.used_minutes, "total_due": r.total_due,
                              "created_at": r.created_at.isoformat()}))
        else:
            print(f"{r.id:>5}  {r.month}  {r.domain:<24} {r.status:<6} {r.tickets:>4} ticket(s) "
                  f"{r.used_minutes:>6} min  total {r.total_due}")
    if not args.json:
        print(f"{len(rows)} report(s)")
    return 0
