"""The configuration: one TOML file, with DESKBOT_<SECTION>_<KEY> environment overrides.

`load_config` either returns a validated `Config` or raises `ConfigError` whose
message is one line naming the file and the key; secrets never appear in it.
"""
from __future__ import annotations

import json
import re
import os
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from deskbot.dispatch.assignment_rules import parse_leave
from deskbot.dispatch.calendar import Calendar, HoursError
from deskbot.dispatch.config_hours import CalendarConfig, known_zone
from deskbot.dispatch.config_sla import SlaConfig
from deskbot.dispatch.config_rules import MailTemplate, Rule, SetMode, cross_check
from deskbot.dispatch.durations import parse_duration, parse_size

DEFAULT_PATH = "config.toml"
SECRET_KEYS = {"password", "token", "webhook_secret", "url", "secret", "fsm"}  # a URL may hold a password
DATABASE_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}
EXAMPLE_IMAP_HOST = "imap.example.com"


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


def _size(value: Any) -> Any:
    return parse_size(value) if isinstance(value, str) else value


def _optional_duration(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else _duration(value)


def _leave(value: Any) -> Any:
    return parse_leave(value) if isinstance(value, (str, date)) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
OptionalDuration = Annotated[timedelta | None, BeforeValidator(_optional_duration)]  # "" turns it off
Size = Annotated[int, BeforeValidator(_size)]
Security = Literal["ssl", "starttls", "none"]
Leave = Annotated[tuple[date, date], BeforeValidator(_leave)]  # first and last day, both on leave


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(Section):
    url: str = "sqlite+aiosqlite:///deskbot.sqlite3"

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            driver = make_url(value).drivername
        except ArgumentError:
            driver = None
        if driver not in DATABASE_DRIVERS:
            raise ValueError("use sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB")
        return value

    @property
    def password(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).password or ""


class MailboxConfig(Section):
    # imap: deskbot reads the mailbox; pipe: the MTA hands each mail to `deskbot ingest`; imap+pipe: both.
    mode: Literal["imap", "pipe", "imap+pipe"] = "imap"
    host: str = ""
    port: int = Field(993, ge=1, le=65535)
    security: Security = "ssl"
    username: str = ""
    password: SecretStr = SecretStr("")
    ca_file: str = ""  # PEM file of the CA to trust for this server; empty: the system's
    folder: str = "INBOX"
    processed_folder: str = ""
    idle: bool = True
    poll_every: Duration = timedelta(minutes=1)
    attachments_dir: str = "attachments"
    max_attachment_size: Size = 25 * 1024 * 1024
    batch_size: int = Field(250, ge=1, le=1000)
    parse_workers: int = Field(0, ge=0, le=64)  # 0: one per CPU core
    own_addresses: list[str] = []
    free_mail_domains: list[str] = [
        "gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com",
        "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de",
        "yandex.ru", "ya.ru", "yandex.com", "mail.ru", "bk.ru", "inbox.ru", "list.ru", "rambler.ru",
    ]

    @field_validator("free_mail_domains", "own_addresses")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [v.strip().lower() for v in values]

    @property
    def imap(self) -> bool:
        return "imap" in self.mode.split("+")

    @property
    def pipe(self) -> bool:
        return "pipe" in self.mode.split("+")

    @model_validator(mode="after")
    def _imap_complete(self) -> MailboxConfig:
        if not self.imap:
            return self
        for key in ("host", "username"):
            if not getattr(self, key).strip():
                raise ValidationError.from_exception_data(type(self).__name__, [
                    InitErrorDetails(type="missing", loc=(key,), input=self.model_dump())])
        # A copied example file must not start a service that polls a mailbox nobody has.
        if self.host.strip().lower() == EXAMPLE_IMAP_HOST:
            raise ValidationError.from_exception_data(type(self).__name__, [_problem(
                ("host",), self.host, "example_host", "still the value from config.example.toml: set your IMAP server "
                "(or mode = \"pipe\" to take mail only from the MTA)")])
        return self


class PipeConfig(Section):
    # The unix socket on which `deskbot run` takes mail from `deskbot ingest` (the MTA's pipe).
    # Empty: ingest.sock in this config file's folder.
    socket: str = ""
    # Who may hand mail in: the MTA's command must be able to write to the socket.
    socket_mode: str = "0660"

    @field_validator("socket_mode")
    @classmethod
    def _octal(cls, value: str) -> str:
        if not re.fullmatch(r"0?[0-7]{3}", value.strip()):
            raise ValueError("an octal file mode such as \"0660\"")
        return value.strip()

    @property
    def mode_bits(self) -> int:
        return int(self.socket_mode, 8)


class SmtpConfig(Section):
    host: str = ""
    port: int = Field(587, ge=1, le=65535)
    security: Security = "starttls"
    username: str = ""
    password: SecretStr = SecretStr("")
    from_address: str = ""


class TelegramConfig(Section):
    token: SecretStr = SecretStr("")
    api_server: str = ""
    dispatcher_chat_id: int = 0
    language: Literal["en", "ru"] = "en"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""  # the public HTTPS address Telegram posts to
    webhook_listen: str = "127.0.0.1:8443"  # host:port this service listens on (behind the HTTPS proxy)
    webhook_secret: SecretStr = SecretStr("")
    # Where aiogram keeps the prompts under way ("how long did it take?"): "" in this process's memory;
    # "redis://host:6379/0" in Redis (aiogram's RedisStorage), shared by several instances.
    fsm: SecretStr = SecretStr("")

    @field_validator("fsm")
    @classmethod
    def _fsm_url(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        if url and not re.match(r"(redis|rediss|unix)://", url):
            raise ValueError('fsm must be "" (memory) or a Redis URL: "redis://host:6379/0"')
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> TelegramConfig:
        if self.mode != "webhook":
            return self
        if not self.webhook_url:
            raise ValueError("webhook mode needs webhook_url")
        secret = self.webhook_secret.get_secret_value()
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
            raise ValueError("webhook mode needs webhook_secret: 16 to 256 of A-Z a-z 0-9 _ -")
        if not re.fullmatch(r"[^:]*:\d{1,5}", self.webhook_listen):
            raise ValueError("webhook_listen must be host:port")
        return self


class DispatchConfig(Section):
    nag_every: Duration = timedelta(minutes=5)
    reopen_within: Duration = timedelta(days=14)  # a reply later than this opens a new ticket
    autoclose_after: OptionalDuration = timedelta(days=3)  # a ticket waiting for the customer this long closes
    stale_after: OptionalDuration = timedelta(days=1)  # a ticket in work this long untouched nudges its assignee
    nag_outside_hours: bool = False  # false: no nag and no stale nudge while [calendar] says the desk is closed
    timezone: str = "Europe/Moscow"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)


class ReportsConfig(Section):
    # On the 1st of each month, at this hour in dispatch.timezone, last month's reports are made
    # and go to the managers for approval.
    hour: int = Field(6, ge=0, le=23)


class QuarantineConfig(Section):
    # Machine mail kept aside (bounces, auto-replies, list and bulk mail) is counted in one message
    # to the dispatcher chat a day, at this hour in dispatch.timezone (none when there was none).
    summary_hour: int = Field(9, ge=0, le=23)


class RequestType(Section):
    """A kind of request the web form offers (`[[web.request_types]]`)."""

    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    label: dict[Literal["en", "ru"], str]  # {en = "Printer", ru = "Принтер"}; ru falls back to en
    department: str = ""  # a [[departments]] key: its tickets start routed there
    required: list[Literal["name", "subject", "attachment"]] = []  # beyond e-mail and text, always required

    @field_validator("label")
    @classmethod
    def _english(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("en", "").strip():
            raise ValueError('label needs at least en, e.g. label = { en = "Printer", ru = "Принтер" }')
        return value

    def name(self, lang: str) -> str:
        return self.label.get(lang) or self.label["en"]


class WebConfig(Section):
    """The web face: the customers' cabinet and the staff's pages (web/)."""

    listen: str = ""  # "127.0.0.1:8080"; "" turns the web face off
    base_url: str = ""  # how people reach it, for links in mails and messages; "": http://<listen>
    customers: Literal["contract", "all"] = "contract"  # who may log in: people of contract clients, or anyone known
    customer_session: Duration = timedelta(days=14)
    staff_session: Duration = timedelta(hours=12)
    proxies: list[str] = []  # addresses of reverse proxies whose X-Forwarded-For tells the client's address
    secret: SecretStr = SecretStr("")  # DESKBOT_WEB_SECRET; "": generated once and kept in the database
    form: Literal["public", "customers", "off"] = "public"  # the request form at /new: who may use it
    request_types: list[RequestType] = []
    form_max_text: int = Field(20_000, ge=100)  # characters of the request's text
    form_max_upload: Size = 10 * 1024 * 1024  # all attachments of one request together
    form_per_hour: int = Field(10, ge=1)  # requests per client address in an hour

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        if value and not re.fullmatch(r"[^:\s]+:\d{1,5}", value.strip()):
            raise ValueError("listen must be host:port, e.g. 127.0.0.1:8080, or empty to turn the web face off")
        return value.strip()

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value):
            raise ValueError("base_url must start with https:// (or http://), e.g. https://support.example.com")
        return value

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value() and len(value.get_secret_value()) < 32:
            raise ValueError("secret must be at least 32 characters (or empty: deskbot makes one)")
        return value

    @property
    def url(self) -> str:
        """Where links point: base_url, or the listening address itself."""
        return self.base_url or (f"http://{self.listen}" if self.listen else "")

    @property
    def https(self) -> bool:
        return self.url.startswith("https://")


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"  # json: one object a line, for machines (app/logs.py)


class MetricsConfig(Section):
    """/metrics, /healthz and /readyz: on the web face's listener, and on `listen` when set (README)."""

    listen: str = ""  # "127.0.0.1:9108": a listener of their own (a desk without the web face); "": none
    # Who may read /metrics: addresses or networks ("10.0.0.0/8"); [] anyone who reaches the listener.
    # The web face's listener takes the client's address from X-Forwarded-For of a [web] proxies entry.
    allow: list[str] = ["127.0.0.1", "::1"]

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        if value and not re.fullmatch(r"[^\s]+:\d{1,5}", value.strip()):
            raise ValueError("listen must be host:port, e.g. 127.0.0.1:9108, or empty for no listener of its own")
        return value.strip()

    @field_validator("allow")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        import ipaddress

        for value in values:
            try:
                ipaddress.ip_network(value.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is not an IP address or network (\"10.0.0.0/8\")") from None
        return [value.strip() for value in values]


class Department(Section):
    key: str
    name: str
    # Who gets a ticket that enters the department (dispatch/assignment.py): the dispatcher's
    # tap on a person (manual), the next available person in turn, or the one with the fewest open tickets.
    assign: Literal["manual", "round_robin", "least_loaded"] = "manual"
    max_open: int = Field(0, ge=0)  # automatic modes: nobody gets more open tickets than this; 0: no cap
    take_within: OptionalDuration = None  # an automatic assignee who does not Take in this time: the next person

    @model_validator(mode="after")
    def _take_within_automatic(self) -> Department:
        if self.take_within is not None and self.assign == "manual":
            raise ValueError('take_within needs assign = "round_robin" or "least_loaded"')
        if self.take_within is not None and self.take_within <= timedelta(0):
            raise ValueError("take_within must be longer than 0 (or \"\" to turn it off)")
        return self


class StaffMember(Section):
    name: str
    telegram_id: int
    departments: list[str] = []
    roles: list[Literal["dispatcher", "specialist", "manager"]] = ["specialist"]
    hours: str = ""  # a [calendars.KEY] with this person's working hours; "": the desk's [calendar]
    leave: list[Leave] = []  # "2026-12-20..2026-12-31" or "2027-01-15": days off, nothing assigned automatically


class Config(Section):
    database: DatabaseConfig = DatabaseConfig()
    mailbox: MailboxConfig
    pipe: PipeConfig = PipeConfig()
    smtp: SmtpConfig = SmtpConfig()
    telegram: TelegramConfig = TelegramConfig()
    dispatch: DispatchConfig = DispatchConfig()
    reports: ReportsConfig = ReportsConfig()
    quarantine: QuarantineConfig = QuarantineConfig()
    web: WebConfig = WebConfig()
    logging: LoggingConfig = LoggingConfig()
    metrics: MetricsConfig = MetricsConfig()
    departments: list[Department] = []
    staff: list[StaffMember] = []
    rule_sets: dict[str, SetMode] = {}  # routing rules: dispatch/config_rules.py
    rules: list[Rule] = []
    mail_templates: list[MailTemplate] = []
    calendar: CalendarConfig = CalendarConfig()  # the desk's business hours (none given: round the clock)
    calendars: dict[str, CalendarConfig] = {}  # named ones, for contracts and people
    sla: SlaConfig = SlaConfig()  # the desk's SLA targets (none given: no SLA)
    path: str = Field(DEFAULT_PATH, exclude=True)
    _calendars: dict[str | None, Calendar] = PrivateAttr(default_factory=dict)

    def business_hours(self, key: str | None = None) -> Calendar:
        """The desk's calendar, or the one named `key` in [calendars]."""
        return self._calendars[key]

    def working_hours(self, member: StaffMember | None) -> Calendar:
        """A person's working hours: their `hours` calendar, else (or for someone not in [[staff]]) the desk's."""
        return self._calendars[member.hours or None] if member is not None else self._calendars[None]

    def department(self, key: str) -> Department | None:
        return next((d for d in self.departments if d.key == key), None)

    def member(self, telegram_id: int) -> StaffMember | None:
        return next((m for m in self.staff if m.telegram_id == telegram_id), None)

    def nag_hours(self) -> Calendar | None:
        """When nags and stale nudges may be sent: the desk's business hours, or None (any time)."""
        hours = self._calendars[None]
        return None if self.dispatch.nag_outside_hours or hours.round_the_clock else hours

    @property
    def pipe_socket(self) -> Path:
        from deskbot.mailbox.pipe import socket_path

        return Path(socket_path(self.pipe.socket, self.path))

    @property
    def own_addresses(self) -> set[str]:
        """Addresses whose mail is ours: it must never open a ticket (mail loops)."""
        from email.utils import parseaddr

        found = {a for a in self.mailbox.own_addresses}
        for candidate in (self.mailbox.username, self.smtp.username, parseaddr(self.smtp.from_address)[1]):
            if "@" in candidate:
                found.add(candidate.strip().lower())
        return found

    @model_validator(mode="after")
    def _staff_and_departments_agree(self) -> Config:
        """Cross-checks between [[departments]] and [[staff]]; each problem names its own key."""
        problems: list[InitErrorDetails] = []
        keys: dict[str, int] = {}
        for number, department in enumerate(self.departments):
            if department.key in keys:
                problems.append(_problem(("departments", number, "key"), department.key, "duplicate_department",
                                         "[[departments]] #{first} has this key already", first=keys[department.key]))
            keys.setdefault(department.key, number + 1)
        people: dict[int, int] = {}
        for number, member in enumerate(self.staff):
            if member.telegram_id in people:
                problems.append(_problem(("staff", number, "telegram_id"), member.telegram_id, "duplicate_staff",
                                         "[[staff]] #{first} has this telegram_id already",
                                         first=people[member.telegram_id]))
            people.setdefault(member.telegram_id, number + 1)
            if member.hours and member.hours not in self.calendars:
                known = f" (known: {', '.join(self.calendars)})" if self.calendars else " ([calendars] is empty)"
                problems.append(_problem(("staff", number, "hours"), member.hours, "unknown_calendar",
                                         "no [calendars.{key}]{known}", key=member.hours, known=known))
            for key in member.departments:
                if key not in keys:
                    # The list as input: the key is in the message already, no "(got [...])" after it.
                    known = f" (known: {', '.join(keys)})" if keys else " ([[departments]] is empty)"
                    problems.append(_problem(("staff", number, "departments"), member.departments,
                                             "unknown_department", "unknown department '{key}'{known}",
                                             key=key, known=known))
        types: set[str] = set()
        for number, kind in enumerate(self.web.request_types):
            if kind.key in types:
                problems.append(_problem(("web", "request_types", number, "key"), kind.key, "duplicate_type",
                                         "[[web.request_types]] has this key twice"))
            types.add(kind.key)
            if kind.department and kind.department not in keys:
                known = f" (known: {', '.join(keys)})" if keys else " ([[departments]] is empty)"
                problems.append(_problem(("web", "request_types", number, "department"), kind.department,
                                         "unknown_department", "unknown department '{key}'{known}",
                                         key=kind.department, known=known))
        problems += cross_check(self)
        problems += self._build_calendars()
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self

    def _build_calendars(self) -> list[InitErrorDetails]:
        problems: list[InitErrorDetails] = []
        folder = Path(self.path).parent
        named: list[tuple[str | None, tuple[str, ...], CalendarConfig]] = [(None, ("calendar",), self.calendar)]
        named += [(key, ("calendars", key), section) for key, section in self.calendars.items()]
        for key, loc, section in named:
            try:
                self._calendars[key] = section.calendar(self.dispatch.timezone, folder)
            except HoursError as exc:
                problems.append(_problem(loc, key, "calendar", "{why}", why=str(exc)))
        return problems


def _problem(loc: tuple[str | int, ...], value: Any, kind: str, message: str, **context: Any) -> InitErrorDetails:
    # A ValidationError raised inside a validator keeps these locations, so the
    # one-line report names "[[staff]] #2 departments" like any other key.
    return InitErrorDetails(type=PydanticCustomError(kind, message, context), loc=loc, input=value)


class ConfigError(Exception):
    """A configuration problem, as one line fit for a person; `lines`: every problem found, one line each."""

    def __init__(self, message: str, lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.lines = lines or [message]


def default_path() -> str:
    return os.environ.get("DESKBOT_CONFIG") or DEFAULT_PATH


def load_config(path: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None) -> Config:
    file = Path(path or default_path())
    environ = os.environ if environ is None else environ
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: config file not found (start from config.example.toml)") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the config file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: the config file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    _apply_environment(data, environ)
    try:
        return Config.model_validate({**data, "path": str(file)})
    except ValidationError as exc:
        raise ConfigError(f"{file}: {_describe(exc)}",
                          [f"{file}: {_describe(exc, n)}" for n in range(exc.error_count())]) from None


def _apply_environment(data: dict[str, Any], environ: dict[str, str]) -> None:
    """DESKBOT_MAILBOX_PASSWORD overrides [mailbox] password, and so on for every scalar section."""
    for section_name, field in Config.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, Section)):
            continue
        for key in model.model_fields:
            value = environ.get(f"DESKBOT_{section_name}_{key}".upper())
            if value is None:
                continue
            if value.startswith("["):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    pass
            section = data.setdefault(section_name, {})
            if isinstance(section, dict):
                section[key] = value


def _describe(exc: ValidationError, number: int = 0) -> str:
    """The first problem (or the `number`th), as "[section] key: what is wrong"; never echo a secret value."""
    error = exc.errors(include_url=False)[number]
    loc = [str(part) for part in error["loc"]]
    where = _location(loc)
    if error["type"] == "missing":
        return f"{where}: required key is missing"
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown key (see config.example.toml)"
    message = error["msg"].removeprefix("Value error, ")
    if loc and loc[-1] not in SECRET_KEYS and isinstance(error.get("input"), (str, int, float, bool)):
        message += f" (got {error['input']!r})"
    return f"{where}: {message}"


def _location(loc: list[str]) -> str:
    if not loc:
        return "config"
    if len(loc) == 1:
        return f"[{loc[0]}]" if loc[0] in Config.model_fields else loc[0]
    if len(loc) >= 2 and loc[1].isdigit():  # an array of tables: the entry, and the key in it if any
        return f"[[{loc[0]}]] #{int(loc[1]) + 1} {'.'.join(loc[2:])}".rstrip()
    return f"[{loc[0]}] {'.'.join(loc[1:])}"
