"""Routing rules inside the intake's transaction, on SQLite and PostgreSQL: a new ticket and a reply."""
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.dispatch.rule_actions import Routing
from deskbot.dispatch.routing import Reason
from deskbot.mailbox.inbound import Address, Attachment, Fetched, InboundMail
from deskbot.storage.db import session_factory
from deskbot.storage.models import Department, RuleFiring, Staff, StaffDepartment, Ticket, TicketEvent

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
RULES = {
    "mailbox": {"host": "imap.test", "username": "support@desk.test"},
    "departments": [{"key": "support", "name": "Support"}, {"key": "dev", "name": "Development"}],
    "staff": [{"name": "Dana", "telegram_id": 11, "departments": ["support"]},
              {"name": "Ivan", "telegram_id": 12, "departments": ["dev"]}],
    "rule_sets": {"alerts": "all"},
    "rules": [
        {"name": "Printers to Dana", "set": "routing", "subject": ["printer", "принтер"], "department": "support",
         "assign": "Dana", "priority": "high", "tags": ["printer"]},
        {"name": "Bugs to dev", "set": "routing", "text_regex": r"traceback|ошибка \d+", "department": "dev"},
        {"name": "Files", "set": "alerts", "attachments": True, "tags": ["files"], "notify": ["Ivan"]},
        {"name": "Angry reply", "set": "alerts", "on": "reply", "text": ["срочно"], "priority": "urgent"},
    ],
}


@pytest.fixture
async def ingest(engine):
    sessions = session_factory(engine)
    async with sessions.begin() as s:
        s.add_all([Department(key="support", name="Support", position=0, active=True),
                   Department(key="dev", name="Development", position=1, active=True),
                   Staff(telegram_id=11, name="Dana", roles="specialist", active=True),
                   Staff(telegram_id=12, name="Ivan", roles="specialist", active=True)])
    config = Config.model_validate(RULES)
    return Ingest(sessions, FrozenClock(NOW), MailboxPlace("support@imap.test", "INBOX"),
                  own_addresses={"support@desk.test"}, free_mail_domains={"gmail.com"}, routing=Routing.of(config))


def fetched(uid, key, **kw) -> Fetched:
    mail = InboundMail(key=key, size=10, message_id=key, sender=Address("anna@client.test", "Anna"), **kw)
    return Fetched(uid, f"raw {key}".encode(), mail)


async def test_new_ticket_routed_assigned_prioritised_tagged_with_events(ingest, engine):
    await ingest.store(1, [fetched(1, "a@x", subject="Не печатает ПРИНТЕР", text="help"),
                           fetched(2, "b@x", subject="Crash", text="Traceback (most recent call last)",
                                   attachments=[Attachment("log.txt", "text/plain", 3)]),
                           fetched(3, "c@x", subject="Hello", text="nothing special")], 3)
    async with session_factory(engine)() as s:
        one, two, three = [await s.get(Ticket, n) for n in (1, 2, 3)]
        dana = await s.scalar(select(Staff).where(Staff.name == "Dana"))
        dev = await s.scalar(select(Department.id).where(Department.key == "dev"))
        events = [(e.ticket_id, e.kind, e.detail) for e in await s.scalars(
            select(TicketEvent).where(TicketEvent.kind != "created").order_by(TicketEvent.id))]
        firings = [(f.ticket_id, f.rule, f.trigger, json.loads(f.reasons), f.told_at)
                   for f in await s.scalars(select(RuleFiring).order_by(RuleFiring.id))]
    assert (one.status, one.assignee_id, one.assigned_by_id, one.assigned_by_rule, one.priority, one.tags,
            one.assigned_at) == ("assigned", dana.id, None, "Printers to Dana", "high", "printer", NOW)
    assert (two.status, two.department_id, two.priority, two.tags) == ("new", dev, "normal", "files")
    assert (three.status, three.priority, three.tags) == ("new", "normal", "")
    assert events == [
        (1, "routed", "to support by rule «Printers to Dana»"), (1, "assigned", "to Dana by rule «Printers to Dana»"),
        (1, "priority", "set to high by rule «Printers to Dana»"), (1, "tagged", "printer by rule «Printers to Dana»"),
        (2, "routed", "to dev by rule «Bugs to dev»"), (2, "tagged", "files by rule «Files»")]
    assert firings == [
        (1, "Printers to Dana", "new", [["subject", "принтер"]], None),  # the assignee's card is still to send
        (2, "Bugs to dev", "new", [["text_regex", "Traceback"]], NOW),  # nothing to tell
        (2, "Files", "new", [["attachments", "yes"]], None)]


async def test_reply_fires_reply_rules_only(ingest, engine):
    await ingest.store(1, [fetched(1, "a@x", subject="Hello", text="hi")], 1)
    await ingest.store(1, [fetched(2, "b@x", subject="Re: Hello", text="Это СРОЧНО, принтер", in_reply_to=["a@x"])], 2)
    async with session_factory(engine)() as s:
        ticket = await s.get(Ticket, 1)
        rules = list(await s.scalars(select(RuleFiring.rule)))
    assert (ticket.priority, ticket.status) == ("urgent", "new")  # the printer rule is for new tickets only
    assert rules == ["Angry reply"]


async def test_request_type_is_read_only_from_the_web_forms_own_mail(engine):
    sessions = session_factory(engine)
    config = Config.model_validate({
        **RULES, "rule_sets": {}, "web": {"request_types": [{"key": "printer", "label": {"en": "Printer"}}]},
        "rules": [{"name": "Typed", "request_type": ["printer"], "priority": "high"}]})
    raw = b"From: a@client.test\r\nX-Deskbot-Request-Type: printer\r\nSubject: x\r\n\r\nhi\r\n"

    def item(uid):
        return Fetched(uid, raw, InboundMail(key=f"k{uid}", size=len(raw), sender=Address("a@client.test", "")))

    for uid, place in [(1, MailboxPlace("web", "")), (2, MailboxPlace("support@imap.test", "INBOX"))]:
        await Ingest(sessions, FrozenClock(NOW), place, own_addresses=set(), free_mail_domains=set(),
                     routing=Routing.of(config)).store(0, [item(uid)], None)
    async with sessions() as s:
        assert [t.priority for t in await s.scalars(select(Ticket).order_by(Ticket.id))] == ["high", "normal"]


async def test_a_trial_reads_the_thread_and_the_contract_and_writes_nothing(ingest, engine):
    from deskbot.dispatch import contracts
    from deskbot.dispatch.rule_trial import try_mail
    from deskbot.storage.models import RawMail

    config = Config.model_validate({**RULES, "rules": [
        {"name": "Contract reply", "on": "reply", "contract": True, "organization": "client.test", "tags": ["c"]}],
        "rule_sets": {}})
    await ingest.store(1, [fetched(1, "a@x", subject="Hello", text="hi")], 1)
    sessions = session_factory(engine)
    async with sessions.begin() as s:
        await contracts.save(s, "client.test", {"number": "C-1", "start": "2026-01-01"}, NOW)
    reply = InboundMail(key="r", size=1, message_id="r@x", sender=Address("anna@client.test", "Anna"),
                        subject="Re: Hello", in_reply_to=["a@x"])
    async with sessions() as s:
        trial = await try_mail(s, config, reply, NOW)
        raw_rows = len(list(await s.scalars(select(RawMail))))
    assert (trial.outcome.value, trial.ticket, trial.facts.trigger, trial.facts.contract) == ("reply", 1, "reply", True)
    assert [(f.rule, f.reasons) for f in trial.fired] == [
        ("Contract reply", (Reason("contract", "yes"), Reason("organization", "client.test")))]
    assert raw_rows == 1
    no_db = await try_mail(None, config, reply, NOW)
    assert (no_db.facts.trigger, no_db.fired) == ("new", [])


async def test_in_hours_is_the_desks_calendar(engine):
    config = Config.model_validate({
        **RULES, "rule_sets": {}, "dispatch": {"timezone": "Europe/Moscow"},
        "calendar": {"weekdays": "09:00-18:00"},
        "rules": [{"name": "Night", "in_hours": False, "priority": "urgent", "tags": ["night"]}]})
    routing = Routing.of(config)
    monday = datetime(2026, 11, 2, tzinfo=timezone.utc)  # a Monday; Moscow is UTC+3
    assert routing.in_hours(monday.replace(hour=7)) and not routing.in_hours(monday.replace(hour=16))
    sessions = session_factory(engine)
    for hour in (7, 16):  # 10:00 and 19:00 in Moscow
        await Ingest(sessions, FrozenClock(monday.replace(hour=hour)), MailboxPlace("support@imap.test", "INBOX"),
                     own_addresses=set(), free_mail_domains=set(), routing=routing).store(
            1, [fetched(hour, f"m{hour}@x", subject="hi")], None)
    async with sessions() as s:
        assert [t.tags for t in await s.scalars(select(Ticket).order_by(Ticket.id))] == ["", "night"]


async def test_a_rule_routing_into_an_automatic_department_gets_it_assigned_there(engine):
    """The rule names the department only; the department assigns by itself (round robin), as when a
    dispatcher taps it: the ticket reaches a person without any tap, and the assignee is to be told."""
    sessions = session_factory(engine)
    async with sessions.begin() as s:
        dev = Department(key="dev", name="Development", position=0, active=True)
        ivan = Staff(telegram_id=12, name="Ivan", roles="specialist", active=True)
        s.add_all([dev, ivan])
        await s.flush()
        s.add(StaffDepartment(staff_id=ivan.id, department_id=dev.id))
    config = Config.model_validate({
        **RULES, "departments": [{"key": "support", "name": "Support"},
                                 {"key": "dev", "name": "Development", "assign": "round_robin"}],
        "staff": [{"name": "Ivan", "telegram_id": 12, "departments": ["dev"]}],
        "rules": [{"name": "Bugs to dev", "text_regex": "traceback", "department": "dev", "priority": "high"}],
        "rule_sets": {}})
    ingest = Ingest(sessions, FrozenClock(NOW), MailboxPlace("support@imap.test", "INBOX"),
                    own_addresses={"support@desk.test"}, free_mail_domains={"gmail.com"}, routing=Routing.of(config))
    await ingest.store(1, [fetched(1, "a@x", subject="Crash", text="Traceback (most recent call last)")], 1)
    async with sessions() as s:
        ticket = await s.get(Ticket, 1)
        kinds = [e.kind for e in await s.scalars(select(TicketEvent).order_by(TicketEvent.id))]
    assert (ticket.status, ticket.assignee_id, ticket.department_id, ticket.assigned_how) == (
        "assigned", ivan.id, dev.id, "round_robin")
    assert ticket.tell_assignee_at == NOW and ticket.priority == "high"
    assert kinds == ["created", "routed", "priority", "auto_assigned"]


async def test_a_rules_pool_gives_the_ticket_to_the_available_one_with_fewest_open_tickets(ingest, engine):
    pooled = Config.model_validate({**RULES, "rule_sets": {}, "rules": [
        {"name": "VPN to the network pool", "subject": ["vpn"], "pool": ["Dana", "Ivan"]}]})
    ingest.routing = Routing.of(pooled)
    sessions = session_factory(engine)
    async with sessions.begin() as s:
        dana, ivan = [await s.scalar(select(Staff).where(Staff.name == n)) for n in ("Dana", "Ivan")]
        ivan_id, dana_id = ivan.id, dana.id
    await ingest.store(1, [fetched(1, "a@x", subject="VPN down", text="help")], 1)
    await ingest.store(2, [fetched(2, "b@x", subject="VPN again", text="help")], 2)
    async with sessions.begin() as s:
        (await s.get(Staff, dana_id)).away_since = NOW  # /away: the pool passes her by
    await ingest.store(3, [fetched(3, "c@x", subject="VPN, third", text="help")], 3)
    async with sessions() as s:
        owners = [(await s.get(Ticket, n)).assignee_id for n in (1, 2, 3)]
        detail = await s.scalar(select(TicketEvent.detail).where(TicketEvent.ticket_id == 1,
                                                                 TicketEvent.kind == "assigned"))
    assert owners == [dana_id, ivan_id, ivan_id]  # a tie goes to the lower staff id; then the one with fewer
    assert detail == "to Dana by rule «VPN to the network pool»"


@pytest.mark.parametrize("rule, line", [
    ({"pool": ["Dana", "Nobody"]}, "rule 'R': nobody in [[staff]] is 'Nobody'"),
    ({"pool": ["Dana"], "assign": "Ivan"}, "assign and pool both name who gets the ticket"),
])
def test_a_pool_is_checked_like_the_other_names(tmp_path, rule, line):
    from deskbot.dispatch.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    people = '[[staff]]\nname = "Dana"\ntelegram_id = 11\n\n[[staff]]\nname = "Ivan"\ntelegram_id = 12\n'
    listed = ", ".join(f'"{v}"' for v in rule["pool"])
    extra = f'assign = "{rule["assign"]}"\n' if "assign" in rule else ""
    path.write_text('[mailbox]\nhost = "imap.test"\nusername = "s@desk.test"\n' + people
                    + f'\n[[rules]]\nname = "R"\nsubject = ["vpn"]\npool = [{listed}]\n' + extra, encoding="utf-8")
    with pytest.raises(ConfigError, match=line.replace("[", r"\[").replace("]", r"\]")):
        load_config(path, environ={})
