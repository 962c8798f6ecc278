"""The tables. Every timestamp is stored as UTC and read back timezone-aware."""
from __future__ import annotations

from datetime import date, datetime, timezone
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite keeps no zone: store naive UTC everywhere, hand out aware datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Department(Base):
    """Synchronised from the config on start; kept when removed there (inactive), so history keeps names."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Round robin's cursor: whom the department assigned automatically last (dispatch/assignment.py).
    last_assigned_id: Mapped[int | None] = mapped_column(Integer)  # a staff id


class Staff(Base):
    """Synchronised from the config's [[staff]] on start, like departments."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(255), default="")  # comma-separated: dispatcher,specialist,manager
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # /away in the bot: nothing is assigned automatically from away_since until away_until (NULL: until /back).
    away_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    away_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def role_set(self) -> set[str]:
        return {r for r in self.roles.split(",") if r}


class StaffDepartment(Base):
    __tablename__ = "staff_departments"
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)


def _created_at(context) -> datetime | None:
    return context.get_current_parameters().get("created_at")


class Ticket(Base):
    """A ticket's number is its primary key: short, unique, and what `[#N]` in a subject names."""

    __tablename__ = "tickets"
    # The cabinet's lists: newest first within an organization or a customer, and by status (migration 0012).
    __table_args__ = (Index("ix_tickets_organization_id_id", "organization_id", "id"),
                      Index("ix_tickets_organization_id_status_id", "organization_id", "status", "id"),
                      Index("ix_tickets_customer_id_organization_id_id", "customer_id", "organization_id", "id"),
                      Index("ix_tickets_customer_id_status_id", "customer_id", "status", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    time_spent_minutes: Mapped[int | None] = mapped_column(Integer)
    no_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sweeps read these indexed columns, so their cost follows what is due, not the table size.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # NULL: the dispatcher has not seen it
    next_nag_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # NULL: no reminder due
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # NULL: no e-mail yet
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))  # opened by a late reply to this one
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # set while waiting for the customer
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last stale-work nudge to the assignee
    # Set when the department chose the assignee (round_robin | least_loaded); NULL: a person chose.
    assigned_how: Mapped[str | None] = mapped_column(String(16))
    take_by: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # not taken by then: the next person
    tell_assignee_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # NULL: nothing to tell
    # When the SLA sweep must look at the ticket (NULL: nothing to watch): a new ticket at once, then at its
    # next warning or breach moment, and at once again after an event that moves its clock (dispatch/sla_watch.py).
    sla_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, default=_created_at)
    # Set by routing rules (dispatch/routing.py) or by people; tags comma-separated, lowercase (migration 0015).
    priority: Mapped[str] = mapped_column(String(8), default="normal", server_default="normal")
    tags: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The rule that assigned the ticket, while that stands: a dispatcher may still override it until it is taken.
    assigned_by_rule: Mapped[str | None] = mapped_column(String(200))


class AssignmentOffer(Base):
    """Whom the department gave a ticket automatically since it entered: take_within passes it to someone else."""

    __tablename__ = "assignment_offers"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketHelper(Base):
    """A colleague pulled into a ticket: gets its notes, writes notes back, may record time; never its assignee."""

    __tablename__ = "ticket_helpers"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RawMail(Base):
    """Every fetched message, byte for byte, with what became of it: nothing is ever lost."""

    __tablename__ = "raw_mail"
    __table_args__ = (UniqueConstraint("mailbox", "message_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(255))
    message_key: Mapped[str] = mapped_column(String(998))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), index=True)  # see dispatch.intake.Outcome
    reason: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket_id_id", "ticket_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    raw_id: Mapped[int | None] = mapped_column(ForeignKey("raw_mail.id"))
    direction: Mapped[str] = mapped_column(String(8))  # in | out | note
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    sender_email: Mapped[str] = mapped_column(String(320), default="")
    sender_name: Mapped[str] = mapped_column(String(255), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    auto: Mapped[str | None] = mapped_column(Text)  # why it is automatic mail, if it is
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set once the forward sweep has looked at inbound mail (NULL: not yet), and at once on mail we send.
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    stored_path: Mapped[str | None] = mapped_column(String(255))
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    content_id: Mapped[str | None] = mapped_column(String(998))
    skipped_reason: Mapped[str | None] = mapped_column(Text)


class MailboxState(Base):
    """Where the poller stopped: a UIDVALIDITY change means the UIDs start over."""

    __tablename__ = "mailbox_state"
    mailbox: Mapped[str] = mapped_column(String(255), primary_key=True)
    folder: Mapped[str] = mapped_column(String(255), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)


class OutboxStatus(StrEnum):
    """Where an outbox row stands: the only words the `status` column holds."""

    PENDING = "pending"  # waiting to leave (also while a failure is retried)
    SENT = "sent"
    FAILED = "failed"  # refused for good, with the reason in last_error
    DROPPED = "dropped"  # no longer worth sending: a reminder about a ticket assigned meanwhile


class OutboxMessage(Base):
    """A message that must leave later or elsewhere, committed with the change that caused it.

    Telegram rows hold the Bot API method and its parameters as JSON; the sender
    drains them in order per chat. Sweeps read (status, next_attempt_at), so their
    cost follows what is due, and (status, chat_id, id) answers "is an earlier
    message of this chat still waiting?" without reading the chat's history.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_status_chat_id_id", "status", "chat_id", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # telegram | email
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # None for e-mail
    method: Mapped[str] = mapped_column(String(32))  # sendMessage, editMessageText, ...
    payload: Mapped[str] = mapped_column(Text)  # JSON: the method's parameters
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    purpose: Mapped[str] = mapped_column(String(32))  # card | nag | digest | notify | ...
    status: Mapped[str] = mapped_column(String(16))  # an OutboxStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)


class TelegramMessage(Base):
    """Which Telegram message shows a ticket's card in a chat, so that later edits find it."""

    __tablename__ = "telegram_messages"
    __table_args__ = (UniqueConstraint("ticket_id", "chat_id", "purpose"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketEvent(Base):
    """The audit log: who did what to a ticket, and when."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(32))  # created, assigned, taken, reassigned, closed, time_recorded, ...
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class RuleFiring(Base):
    """A routing rule acted on a ticket: what it matched on and what it did (JSON), for the card and the
    audit; `told_at` NULL while its messages (the assignee's card, notices, the customer's mail) wait for
    a sweep. A time-triggered rule fires once per ticket: its sweep skips tickets with a firing of it."""

    __tablename__ = "rule_firings"
    __table_args__ = (Index("ix_rule_firings_ticket_id_rule", "ticket_id", "rule"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    rule: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text)  # JSON [[condition, value], ...]
    effects: Mapped[str] = mapped_column(Text)  # JSON: what the rule did and what is left to tell
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class TimeEntry(Base):
    """Minutes recorded on a close; a reopened ticket closed again adds another entry (monthly reports sum them)."""

    __tablename__ = "time_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    minutes: Mapped[int] = mapped_column(Integer)
    no_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Contract(Base):
    """An organization's support contract. Money in minor units (kopecks, cents) and hours in
    minutes: integers, exact on SQLite and PostgreSQL alike; `dispatch.hours` turns them into Decimals."""

    __tablename__ = "contracts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    number: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(8), default="RUB")
    monthly_fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    included_minutes: Mapped[int | None] = mapped_column(Integer)  # NULL: unlimited
    bonus_minutes: Mapped[int] = mapped_column(Integer, default=0)
    hourly_rate_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    overage_rate_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recipients: Mapped[str] = mapped_column(Text, default="")  # e-mail addresses, comma-separated
    # The client's own manager: logged in to the web cabinet, sees the whole organization's tickets.
    client_manager: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(64), default="", server_default="")  # e.g. "Support subscription", as the client calls it
    # Free-form label/value pairs the cabinet shows (a portal's address, a product tariff): JSON [[label, value], ...].
    fields: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    # SLA: a [calendars] key (NULL: the desk's [calendar]); targets in minutes of business time,
    # NULL: the desk's [sla], 0: none for this client.
    sla_calendar: Mapped[str | None] = mapped_column(String(64))
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)


class Report(Base):
    """A monthly report as it was made: the PDF is kept, so what the client got can be shown again."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("organization_id", "month"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft | held | sent
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    used_minutes: Mapped[int] = mapped_column(Integer)
    total_due: Mapped[str] = mapped_column(String(32))  # the Decimal as text, with the currency beside it
    tickets: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HoursAlert(Base):
    """A manager was told that a client passed this share of its monthly package: once a month each."""

    __tablename__ = "hours_alerts"
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer, primary_key=True)  # percent: 80, 100
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuarantineItem(Base):
    """A quarantined mail (a raw_mail row) on its way to a person: whose it is, whether the dispatcher
    chat was told, and its fate. Sweeps read the indexed `announced_at`, so their cost follows what is due."""

    __tablename__ = "quarantine_items"
    raw_id: Mapped[int] = mapped_column(ForeignKey("raw_mail.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # person | machine (see dispatch.quarantine_rules)
    sender: Mapped[str] = mapped_column(String(320), default="")  # as the From header read, for lists
    subject: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A person's mail: when the dispatcher chat was told; machine mail: when the daily summary counted it.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | released | dismissed
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))  # released as this ticket
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # None: from the command line
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuarantineEvent(Base):
    """The audit log of quarantined mail, which has no ticket to log on: kept aside, released, dismissed."""

    __tablename__ = "quarantine_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_id: Mapped[int] = mapped_column(ForeignKey("raw_mail.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(32))  # released | dismissed
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSetting(Base):
    """Values the web face makes once and keeps: the cookie key when DESKBOT_WEB_SECRET is not set."""

    __tablename__ = "web_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class WebLoginCode(Base):
    """A six-digit code e-mailed to a customer: kept only as a keyed hash, spent by 5 wrong tries,
    by its use or by time. Rows stay, so that codes sent per address and per client address can be counted."""

    __tablename__ = "web_login_codes"
    __table_args__ = (Index("ix_web_login_codes_email_created_at", "email", "created_at"),
                      Index("ix_web_login_codes_client_created_at", "client", "created_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str] = mapped_column(String(64))  # the client's IP address that asked for it
    code_hash: Mapped[str] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebFormRequest(Base):
    """A request sent with the web form, counted per client address for its rate limit in the database, so
    that every instance of a desk counts the same requests (the sweep of web leftovers forgets old ones)."""

    __tablename__ = "web_form_requests"
    __table_args__ = (Index("ix_web_form_requests_client_at", "client", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSignInLink(Base):
    """A one-time link that /web gives a staff member in Telegram: kept as a hash, used once."""

    __tablename__ = "web_sign_in_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser: its cookie carries a random token kept here only as a SHA-256. A session is live
    while `ended_at` is empty and `expires_at` is ahead; ending the row logs that browser out."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_kind_person_id", "kind", "person_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # customer | staff
    person_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    client: Mapped[str] = mapped_column(String(64), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TariffRequest(Base):
    """A client's request, from the web cabinet, to change their contract; its manager answers outside."""

    __tablename__ = "tariff_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    change: Mapped[str] = mapped_column(String(32))  # what to change: see dispatch.tariffs.CHANGES
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # open | answered
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SlaAlert(Base):
    """An SLA warning or breach that was told: once per ticket, target and level (the key makes sure)."""

    __tablename__ = "sla_alerts"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    target: Mapped[str] = mapped_column(String(16), primary_key=True)  # first_response | resolution
    level: Mapped[str] = mapped_column(String(8), primary_key=True)  # warning | breach
    at: Mapped[datetime] = mapped_column(UTCDateTime)
