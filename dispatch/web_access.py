"""Who may enter the web face, and how: e-mailed codes for customers, /web links for staff, sessions kept
on the server, and the sweep of what is spent.

Secrets are kept only as hashes: a login code as an HMAC keyed by the desk's web key (six digits
are too few for a plain hash to hide), a sign-in link as its SHA-256 (32 random bytes need no key).
Every check is one conditional UPDATE, so two requests racing for the same code or link
cannot both win.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.storage.models import (
    Contract, Customer, Organization, Staff, WebLoginCode, WebSession, WebSetting, WebSignInLink,
)

CODE_VALID = timedelta(minutes=10)
CODE_TRIES = 5
LINK_VALID = timedelta(minutes=10)
# Codes asked for within RATE_WINDOW: per address (mail bombing, guessing) and per client address.
RATE_WINDOW = timedelta(minutes=15)
CODES_PER_ADDRESS = 3
CODES_PER_CLIENT = 10
_KEY_NAME = "cookie_key"


# -- the key ------------------------------------------------------------------------------------


async def web_key(session: AsyncSession, configured: str) -> bytes:
    """32 bytes: from DESKBOT_WEB_SECRET when set, else made once and kept in web_settings."""
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    stored = await session.scalar(select(WebSetting.value).where(WebSetting.key == _KEY_NAME))
    if stored is None:
        try:
            async with session.begin_nested():
                session.add(WebSetting(key=_KEY_NAME, value=secrets.token_hex(32)))
        except IntegrityError:  # another process made it first: use theirs
            pass
        stored = await session.scalar(select(WebSetting.value).where(WebSetting.key == _KEY_NAME))
    return bytes.fromhex(stored)


def _code_hash(key: bytes, email: str, code: str) -> str:
    return hmac.new(key, f"login-code\0{email}\0{code}".encode(), hashlib.sha256).hexdigest()


# -- customers ----------------------------------------------------------------------------------


def normal_address(text: str) -> str | None:
    address = text.strip().lower()
    if len(address) > 320 or address.count("@") != 1 or any(c.isspace() for c in address):
        return None
    local, domain = address.split("@")
    return address if local and "." in domain.strip(".") else None


async def may_log_in(session: AsyncSession, email: str, customers: str) -> bool:
    """A known customer of an organization with a contract; with customers = "all", any known customer.
    An address of a contract client's domain that never wrote counts too (it becomes a customer)."""
    customer = await session.scalar(select(Customer).where(Customer.email == email))
    if customer is not None and customers == "all":
        return True
    if customer is not None and customer.organization_id is not None:
        return await _has_contract(session, Contract.organization_id == customer.organization_id)
    if customer is None:
        domain = email.rpartition("@")[2]
        return await _has_contract(session, Organization.domain == domain)
    return False


async def _has_contract(session: AsyncSession, where) -> bool:
    found = await session.scalar(select(Contract.id).join(Organization, Organization.id == Contract.organization_id)
                                 .where(where).limit(1))
    return found is not None


@dataclass(frozen=True)
class CodeRequest:
    code: str | None  # None: no code for this address (not allowed), or too many asked
    limited: bool = False


async def request_code(session: AsyncSession, key: bytes, email: str, client: str, customers: str,
                       now: datetime) -> CodeRequest:
    """A new code for `email`, or why not. A refused address is recorded like a code (with no hash that
    can match), so that the page and the rate limits look the same whoever asks."""
    since = now - RATE_WINDOW
    by_address = await session.scalar(select(func.count()).select_from(WebLoginCode)
                                      .where(WebLoginCode.email == email, WebLoginCode.created_at > since))
    by_client = await session.scalar(select(func.count()).select_from(WebLoginCode)
                                     .where(WebLoginCode.client == client, WebLoginCode.created_at > since))
    if by_address >= CODES_PER_ADDRESS or by_client >= CODES_PER_CLIENT:
        return CodeRequest(None, limited=True)
    allowed = await may_log_in(session, email, customers)
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(WebLoginCode(email=email, client=client[:64], code_hash=_code_hash(key, email, code) if allowed else "",
                             tries=0, created_at=now, expires_at=now + CODE_VALID))
    await session.flush()
    return CodeRequest(code if allowed else None)


async def check_code(session: AsyncSession, key: bytes, email: str, code: str, now: datetime) -> Customer | None:
    """The customer when `code` is the newest live code of `email`; every wrong try counts, the fifth
    spends the code, and a right code is spent by its use."""
    row = await session.scalar(
        select(WebLoginCode).where(WebLoginCode.email == email).order_by(WebLoginCode.id.desc()).limit(1))
    if row is None or row.used_at is not None or row.expires_at <= now or row.tries >= CODE_TRIES:
        return None
    right = bool(row.code_hash) and hmac.compare_digest(row.code_hash, _code_hash(key, email, code.strip()))
    if not right:
        await session.execute(update(WebLoginCode).where(WebLoginCode.id == row.id)
                              .values(tries=WebLoginCode.tries + 1))
        return None
    spent = await session.execute(
        update(WebLoginCode).where(WebLoginCode.id == row.id, WebLoginCode.used_at.is_(None),
                                   WebLoginCode.tries < CODE_TRIES).values(used_at=now))
    if spent.rowcount != 1:
        return None
    return await _customer(session, email, now)


async def _customer(session: AsyncSession, email: str, now: datetime) -> Customer:
    customer = await session.scalar(select(Customer).where(Customer.email == email))
    if customer is None:  # a contract client's person who never wrote: theirs is the domain's organization
        organization = await session.scalar(select(Organization.id).where(
            Organization.domain == email.rpartition("@")[2]))
        customer = Customer(email=email, name="", organization_id=organization, created_at=now)
        session.add(customer)
        await session.flush()
    return customer


# -- staff --------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_link(session: AsyncSession, staff: Staff, now: datetime) -> str:
    """A token for /staff/sign-in/<token>: valid LINK_VALID, once."""
    token = secrets.token_urlsafe(32)
    session.add(WebSignInLink(token_hash=_token_hash(token), staff_id=staff.id, created_at=now,
                              expires_at=now + LINK_VALID))
    await session.flush()
    return token


async def link_is_live(session: AsyncSession, token: str, now: datetime) -> bool:
    row = await session.scalar(select(WebSignInLink).where(WebSignInLink.token_hash == _token_hash(token)))
    return row is not None and row.used_at is None and row.expires_at > now


async def redeem_link(session: AsyncSession, token: str, now: datetime) -> Staff | None:
    """The active staff member the link was made for, once; None for a used, late or unknown link."""
    staff_id = await session.scalar(
        update(WebSignInLink).where(WebSignInLink.token_hash == _token_hash(token), WebSignInLink.used_at.is_(None),
                                    WebSignInLink.expires_at > now)
        .values(used_at=now).returning(WebSignInLink.staff_id))
    if staff_id is None:
        return None
    staff = await session.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


# -- sessions -----------------------------------------------------------------------------------
# The cookie (encrypted, see web/app.py) carries a random token; the row keeps its hash, so that a copy
# of the table opens no browser. A row is live until it is ended (log out, "End", log out everywhere)
# or its time is up; the sweep deletes what is no longer live.

SEEN_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often: not a write per page


async def open_session(session: AsyncSession, kind: str, person: int, lifetime: timedelta, user_agent: str,
                       client: str, now: datetime) -> str:
    """A new live session; the token is for the cookie only."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_token_hash(token), kind=kind, person_id=person, created_at=now,
                           last_seen_at=now, expires_at=now + lifetime, user_agent=user_agent[:200],
                           client=client[:64]))
    await session.flush()
    return token


async def live_session(session: AsyncSession, token: str, now: datetime) -> WebSession | None:
    """The live session of a cookie's token, its last_seen_at brought up to date (now and then)."""
    row = await session.scalar(select(WebSession).where(WebSession.token_hash == _token_hash(token)))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        await session.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now))
        row.last_seen_at = now
    return row


async def end_own_session(session: AsyncSession, token: str, now: datetime) -> None:
    """This browser logs out."""
    await session.execute(update(WebSession).where(WebSession.token_hash == _token_hash(token),
                                                   WebSession.ended_at.is_(None)).values(ended_at=now))


async def end_session(session: AsyncSession, kind: str, person: int, session_id: int, now: datetime) -> bool:
    """Ends one of the person's live sessions; False when it is not theirs, or not live."""
    ended = await session.execute(update(WebSession).where(
        WebSession.id == session_id, WebSession.kind == kind, WebSession.person_id == person,
        WebSession.ended_at.is_(None), WebSession.expires_at > now).values(ended_at=now))
    return ended.rowcount == 1


async def log_out_everywhere(session: AsyncSession, kind: str, person: int, now: datetime) -> None:
    """Every session of this person stops working."""
    await session.execute(update(WebSession).where(
        WebSession.kind == kind, WebSession.person_id == person, WebSession.ended_at.is_(None)).values(ended_at=now))


async def sessions_of(session: AsyncSession, kind: str, person: int, now: datetime) -> list[WebSession]:
    """The person's live sessions, the latest seen first."""
    return list(await session.scalars(select(WebSession).where(
        WebSession.kind == kind, WebSession.person_id == person, WebSession.ended_at.is_(None),
        WebSession.expires_at > now).order_by(WebSession.last_seen_at.desc(), WebSession.id.desc())))


# -- the sweep ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Swept:
    codes: int
    links: int
    sessions: int


async def sweep(session: AsyncSession, now: datetime) -> Swept:
    """Deletes what can no longer let anyone in. Codes stay while the rate limits count them (they look
    back RATE_WINDOW from their creation; a code lives CODE_VALID), used or not."""
    codes = await session.execute(delete(WebLoginCode).where(WebLoginCode.expires_at < now - RATE_WINDOW))
    links = await session.execute(delete(WebSignInLink).where(
        or_(WebSignInLink.used_at.is_not(None), WebSignInLink.expires_at <= now)))
    ended = await session.execute(delete(WebSession).where(
        or_(WebSession.ended_at.is_not(None), WebSession.expires_at <= now)))
    return Swept(codes.rowcount, links.rowcount, ended.rowcount)
