"""Support contracts, kept in the database and edited from the CLI (one by one, or many from TOML).

An organization is matched by its e-mail domain; one whose people write from free mail
(gmail.com, mail.ru) is listed by hand: its addresses are attached to it, with their
tickets so far. Values arrive as people type them ("50 000", "1500.50", "10", "10.5",
"unlimited") and are kept exact: money in minor units, hours in minutes.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from collections.abc import Collection

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import sla_watch
from deskbot.dispatch.durations import parse_duration
from deskbot.dispatch.hours import Terms
from deskbot.storage.models import Contract, Customer, Organization, Staff, Ticket

UNLIMITED = "unlimited"
FIELDS = ("number", "start", "fee", "hours", "bonus", "rate", "overage_rate", "currency", "manager", "recipients",
          "client_manager", "kind", "fields", "calendar", "first_response", "resolution")
NO_SLA = "off"  # a target the client does not have, whatever the desk's [sla] says
FIELD_LABEL, FIELD_VALUE, MAX_FIELDS = 100, 500, 20
_ADDRESS = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


class ContractError(ValueError):
    """What is wrong with a value, worded for the person at the command line."""


@dataclass(frozen=True, slots=True)
class Listed:
    contract: Contract
    organization: Organization
    manager: str | None


def money(text: Any, what: str) -> int:
    """"50 000", "1500.50", "1500,50" → minor units; exact, never negative."""
    try:
        value = Decimal(str(text).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        raise ContractError(f"{what}: not an amount: {text!r}") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ContractError(f"{what}: use a non-negative amount with at most two decimals, not {text!r}")
    return int(value * 100)


def hours(text: Any, what: str, *, unlimited: bool = False) -> int | None:
    """"10", "10.5" (hours), or "unlimited" where allowed → minutes."""
    if unlimited and str(text).strip().lower() == UNLIMITED:
        return None
    try:
        value = Decimal(str(text).replace(",", "."))
    except InvalidOperation:
        raise ContractError(f"{what}: not a number of hours: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise ContractError(f"{what}: use a non-negative number of hours, not {text!r}")
    return int((value * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def addresses(text: Any, what: str = "recipients") -> list[str]:
    items = text if isinstance(text, list) else str(text).replace(";", ",").split(",")
    found = [str(item).strip().lower() for item in items if str(item).strip()]
    bad = [item for item in found if not _ADDRESS.match(item)]
    if bad:
        raise ContractError(f"{what}: not an e-mail address: {bad[0]!r}")
    return list(dict.fromkeys(found))


def parse_fields(value: Any) -> list[tuple[str, str]]:
    """"Label=value" strings (the CLI's --field, a TOML list) or a TOML table {Label = "value"} → pairs.
    An empty value means: remove that label."""
    if isinstance(value, dict):
        items = [(str(k), "" if v is None else str(v)) for k, v in value.items()]
    else:
        items = []
        for item in value if isinstance(value, list) else [value]:
            label, equals, text = str(item).partition("=")
            if not equals:
                raise ContractError(f"field: use Label=value, not {item!r}")
            items.append((label, text))
    pairs = []
    for label, text in items:
        label, text = " ".join(label.split()), text.strip()
        if not label or len(label) > FIELD_LABEL or len(text) > FIELD_VALUE:
            raise ContractError(f"field: a label of 1-{FIELD_LABEL} characters and a value of at most "
                                f"{FIELD_VALUE}, not {label[:120]!r}")
        pairs.append((label, text))
    return pairs


def extra_fields(contract: Contract) -> list[tuple[str, str]]:
    """The contract's free-form fields in their order; a damaged column reads as none."""
    try:
        stored = json.loads(contract.fields or "[]")
        return [(str(label), str(value)) for label, value in stored]
    except (ValueError, TypeError):
        return []


def _merge_fields(contract: Contract, value: Any) -> None:
    """Each given label is set (in place, or added at the end); an empty value removes it."""
    current = dict(extra_fields(contract))
    for label, text in parse_fields(value):
        if text:
            current[label] = text
        else:
            current.pop(label, None)
    if len(current) > MAX_FIELDS:
        raise ContractError(f"field: at most {MAX_FIELDS} fields")
    contract.fields = json.dumps(list(current.items()), ensure_ascii=False)


def terms(contract: Contract) -> Terms:
    return Terms(number=contract.number, start=contract.starts_on, currency=contract.currency,
                 monthly_fee=_decimal(contract.monthly_fee_minor),
                 hours_included=None if contract.included_minutes is None else _hours(contract.included_minutes),
                 bonus_hours=_hours(contract.bonus_minutes), hourly_rate=_decimal(contract.hourly_rate_minor),
                 overage_rate=_decimal(contract.overage_rate_minor))


async def save(session: AsyncSession, domain: str, values: dict[str, Any], now: datetime, *,
               name: str | None = None, extra_addresses: list[str] = (), create: bool = True,
               calendars: Collection[str] = ()) -> Contract:
    """Add (create=True) or change the contract of the organization `domain`; only the given values change.
    `calendars`: the keys of the config's [calendars], which a contract's calendar must be one of."""
    domain = domain.strip().lower()
    if not domain or "@" in domain:
        raise ContractError(f"--org takes a domain such as example.com, not {domain!r}")
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ContractError(f"unknown contract field {unknown[0]!r}; known: {', '.join(FIELDS)}")
    name = (name or "").strip()[:255]  # the column's size
    organization = await session.scalar(select(Organization).where(Organization.domain == domain))
    contract = None
    if organization is not None:
        contract = await session.scalar(select(Contract).where(Contract.organization_id == organization.id))
    if contract is None and not create:
        raise ContractError(f"{domain} has no contract yet: add one with `deskbot contracts add`")
    if contract is not None and create:
        raise ContractError(f"{domain} already has contract {contract.number}: change it with `deskbot contracts edit`")
    if organization is None:
        organization = Organization(domain=domain, name=name or domain, created_at=now)
        session.add(organization)
        await session.flush()
    elif name:
        organization.name = name
    if contract is None:
        missing = [field for field in ("number", "start") if field not in values]
        if missing:
            raise ContractError(f"a new contract needs --{missing[0]}")
        contract = Contract(organization_id=organization.id, created_at=now, updated_at=now, recipients="", currency="RUB",
                            monthly_fee_minor=0, bonus_minutes=0, hourly_rate_minor=0, overage_rate_minor=0,
                            kind="", fields="[]")
        session.add(contract)
    await _apply(session, contract, values, calendars)
    contract.updated_at = now
    if {"calendar", "first_response", "resolution"} & set(values):
        await sla_watch.recheck_open(session, now, organization.id)  # its open tickets count by the new terms
    for address in addresses(list(extra_addresses), "address"):
        await _attach(session, organization, address, now)
    await session.flush()
    return contract


async def listed(session: AsyncSession) -> list[Listed]:
    rows = await session.execute(
        select(Contract, Organization, Staff.name).join(Organization, Organization.id == Contract.organization_id)
        .outerjoin(Staff, Staff.id == Contract.manager_id).order_by(Organization.domain))
    return [Listed(contract, organization, manager) for contract, organization, manager in rows]


def read_toml(path: str | Path) -> list[dict[str, Any]]:
    """[[contracts]] tables: org (the domain), name and addresses optional, then the contract's fields."""
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContractError(f"{path}: {exc}") from None
    entries = data.get("contracts")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ContractError(f"{path}: expected [[contracts]] tables")
    for index, entry in enumerate(entries, 1):
        if not entry.get("org"):
            raise ContractError(f"{path}: contract {index} has no org (its e-mail domain)")
    return entries


async def import_entries(session: AsyncSession, entries: list[dict[str, Any]], now: datetime,
                         calendars: Collection[str] = ()) -> tuple[int, int]:
    """Add or update each entry, all or nothing (the caller's transaction); (added, changed)."""
    added = changed = 0
    for index, entry in enumerate(entries, 1):
        values = {k: v for k, v in entry.items() if k not in ("org", "name", "addresses")}
        domain = str(entry["org"])
        exists = await session.scalar(select(Contract.id).join(Organization).where(Organization.domain == domain.lower()))
        try:
            await save(session, domain, values, now, name=entry.get("name"), extra_addresses=entry.get("addresses", []),
                       create=exists is None, calendars=calendars)
        except ContractError as exc:
            raise ContractError(f"contract {index} ({domain}): {exc}") from None
        added, changed = (added + 1, changed) if exists is None else (added, changed + 1)
    return added, changed


async def _apply(session: AsyncSession, contract: Contract, values: dict[str, Any], calendars: Collection[str]) -> None:
    for field, value in values.items():
        if field == "number":
            contract.number = str(value).strip()[:64]
            if not contract.number:
                raise ContractError("number: empty")
        elif field == "start":
            contract.starts_on = value if isinstance(value, date) else _date(value)
        elif field == "fee":
            contract.monthly_fee_minor = money(value, "fee")
        elif field == "hours":
            contract.included_minutes = hours(value, "hours", unlimited=True)
        elif field == "bonus":
            contract.bonus_minutes = hours(value, "bonus")
        elif field == "rate":
            contract.hourly_rate_minor = money(value, "rate")
        elif field == "overage_rate":
            contract.overage_rate_minor = money(value, "overage_rate")
        elif field == "currency":
            contract.currency = str(value).strip().upper()[:8] or "RUB"
        elif field == "manager":
            contract.manager_id = await _manager(session, value)
        elif field == "recipients":
            contract.recipients = ",".join(addresses(value))
        elif field == "client_manager":
            found = addresses(value, "client_manager")
            if len(found) > 1:
                raise ContractError("client_manager: one address")
            contract.client_manager = found[0] if found else None
        elif field == "kind":
            contract.kind = " ".join(str(value).split())[:64]
        elif field == "fields":
            _merge_fields(contract, value)
        elif field == "calendar":
            contract.sla_calendar = _calendar(value, calendars)
        elif field == "first_response":
            contract.first_response_minutes = sla_target(value, "first_response")
        elif field == "resolution":
            contract.resolution_minutes = sla_target(value, "resolution")


def sla_target(value: Any, what: str) -> int | None:
    """"4h", "1h 30m" (business time) -> minutes; "off" -> 0 (no target); "" -> None (the desk's [sla])."""
    text = str(value).strip().lower()
    if not text:
        return None
    if text == NO_SLA:
        return 0
    try:
        minutes = int(parse_duration(text).total_seconds() // 60)
    except ValueError:
        raise ContractError(f"{what}: use business time such as 4h or 1h 30m, 'off' for none, or '' for the "
                            f"desk's [sla], not {value!r}") from None
    if minutes <= 0:
        raise ContractError(f"{what}: at least a minute, not {value!r}")
    return minutes


def sla_text(minutes: int | None) -> str:
    """How `deskbot contracts` shows a target: "" (the desk's), "off", or "4h 30m"."""
    if minutes is None:
        return ""
    if minutes == 0:
        return NO_SLA
    hours_part, rest = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours_part}h" if hours_part else "", f"{rest}m" if rest else "") if part)


def _calendar(value: Any, calendars: Collection[str]) -> str | None:
    key = str(value).strip()
    if not key:
        return None
    if key not in calendars:
        known = ", ".join(calendars) or "none: add [calendars.KEY] to the config"
        raise ContractError(f"calendar: {key!r} is not in the config's [calendars] (known: {known})")
    return key


async def _manager(session: AsyncSession, value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        telegram_id = int(value)
    except (TypeError, ValueError):
        raise ContractError(f"manager: give the manager's Telegram id from [[staff]], not {value!r}") from None
    staff = await session.scalar(select(Staff).where(Staff.telegram_id == telegram_id))
    if staff is None or "manager" not in staff.role_set:
        raise ContractError(f"manager: nobody with Telegram id {telegram_id} has the manager role in [[staff]]")
    return staff.id


async def _attach(session: AsyncSession, organization: Organization, address: str, now: datetime) -> None:
    """A person of this organization writing from another domain: their tickets so far count for it too."""
    customer = await session.scalar(select(Customer).where(Customer.email == address))
    if customer is None:
        session.add(Customer(email=address, name="", organization_id=organization.id, created_at=now))
        return
    customer.organization_id = organization.id
    await session.execute(update(Ticket).where(Ticket.customer_id == customer.id, Ticket.organization_id.is_(None))
                          .values(organization_id=organization.id))


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ContractError(f"start: use a date like 2026-01-31, not {value!r}") from None


def _decimal(minor: int) -> Decimal:
    return (Decimal(minor) / 100).quantize(Decimal("0.01"))


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
