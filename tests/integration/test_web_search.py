"""The cabinet's search in subjects (dispatch/ticket_search.py) on SQLite's FTS5 and PostgreSQL's pg_trgm: a
substring in any case, Cyrillic too, only ever within what the asker may see, true from the moment a ticket
is written, and combined with the status, period and page."""
from datetime import datetime, timedelta, timezone

from alembic.script import ScriptDirectory
from sqlalchemy import delete, insert, select, update

from deskbot.dispatch import ticket_search, visibility
from deskbot.storage import migrate, search
from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import Customer, Organization, Ticket
from harness.web import ANN, BOSS, EVE, log_in


async def person(sessions, email: str) -> visibility.Viewer:
    async with sessions() as s:
        customer_id = await s.scalar(select(Customer.id).where(Customer.email == email))
        return await visibility.viewer(s, customer_id)


async def subjects(sessions, email: str, text: str, **filters) -> list[str]:
    async with sessions() as s:
        found = await visibility.tickets(s, await person(sessions, email), text=text, **filters)
    assert found.total == len(found.lines) or found.pages > 1
    return [line.subject for line in found.lines]


async def add(web_desk, email: str, *subjects: str, status: str = "new", days_ago: int = 0) -> list[int]:
    at = web_desk.clock.now() - timedelta(days=days_ago)
    async with web_desk.sessions.begin() as s:
        customer = await s.scalar(select(Customer).where(Customer.email == email))
        tickets = [Ticket(subject=subject, status=status, customer_id=customer.id,
                          organization_id=customer.organization_id, created_at=at, updated_at=at)
                   for subject in subjects]
        s.add_all(tickets)
    return [t.id for t in tickets]


async def test_a_part_of_a_word_in_any_case_finds_the_subject(web_desk):
    await add(web_desk, ANN, "Принтер в бухгалтерии не печатает", "Ёлка: гирлянда", "ПОЧТА тормозит")
    sessions = web_desk.sessions
    assert await subjects(sessions, ANN, "rinte") == ["Printer on fire"]  # the middle of a word
    assert await subjects(sessions, ANN, "PRINTER ON") == ["Printer on fire"]
    assert await subjects(sessions, ANN, "ПРИНТЕР") == ["Принтер в бухгалтерии не печатает"]
    assert await subjects(sessions, ANN, "хгалт") == ["Принтер в бухгалтерии не печатает"]
    assert await subjects(sessions, ANN, "ёлка") == ["Ёлка: гирлянда"]
    assert await subjects(sessions, ANN, "почта ТОРМ") == ["ПОЧТА тормозит"]
    assert await subjects(sessions, ANN, "не печатает!") == []  # every character counts
    assert await subjects(sessions, ANN, "fire printer") == []  # a substring, not loose words


async def test_another_organizations_ticket_with_the_same_words_never_shows(web_desk):
    await add(web_desk, EVE, "Printer on fire again", "Printer on fire at Other")
    await add(web_desk, BOSS, "Printer on fire in the boss's room")
    sessions = web_desk.sessions
    assert await subjects(sessions, ANN, "printer on fire") == ["Printer on fire"]  # not the boss's
    assert await subjects(sessions, BOSS, "printer on fire") == ["Printer on fire in the boss's room",
                                                                "Printer on fire"]  # the whole of Acme
    assert await subjects(sessions, EVE, "printer on fire") == ["Printer on fire at Other", "Printer on fire again"]
    assert await subjects(sessions, EVE, "budget") == []


async def test_a_ticket_is_found_as_soon_as_it_is_written_and_as_it_changes(web_desk):
    sessions = web_desk.sessions
    [number] = await add(web_desk, EVE, "Сервер 1С не отвечает")
    assert await subjects(sessions, EVE, "сервер 1с") == ["Сервер 1С не отвечает"]
    async with sessions.begin() as s:
        await s.execute(update(Ticket).where(Ticket.id == number).values(subject="Сканер не сканирует"))
    assert await subjects(sessions, EVE, "сервер") == []
    assert await subjects(sessions, EVE, "сканер") == ["Сканер не сканирует"]
    async with sessions.begin() as s:  # Eve's ticket moves to Acme (as when a contract takes her address)
        acme = await s.scalar(select(Customer.organization_id).where(Customer.email == BOSS))
        await s.execute(update(Ticket).where(Ticket.id == number).values(organization_id=acme))
    assert await subjects(sessions, BOSS, "сканер") == ["Сканер не сканирует"]
    assert await subjects(sessions, EVE, "сканер") == ["Сканер не сканирует"]  # still hers: she opened it
    async with sessions.begin() as s:
        await s.execute(delete(Ticket).where(Ticket.id == number))
    assert await subjects(sessions, BOSS, "сканер") == [] and await subjects(sessions, EVE, "сканер") == []


async def test_search_combines_with_status_period_and_pages(web_desk):
    await add(web_desk, ANN, "Laptop battery, last year", days_ago=400)
    await add(web_desk, ANN, *(f"Laptop battery {n:02d}" for n in range(30)))
    await add(web_desk, ANN, "Laptop battery, closed", status="closed")
    sessions = web_desk.sessions
    first = await subjects(sessions, ANN, "laptop batt")
    assert first[0] == "Laptop battery, closed" and len(first) == 25
    async with sessions() as s:
        ann = await person(sessions, ANN)
        second = await visibility.tickets(s, ann, text="laptop batt", page=2)
        assert (second.total, second.page, second.pages) == (32, 2, 2)
        assert [line.subject for line in second.lines][-1] == "Laptop battery, last year"
        assert (await visibility.tickets(s, ann, text="laptop batt", page=9)).page == 2  # past the end: the last
        this_month = visibility.period("this-month", None, None, web_desk.clock.now(), "Europe/Moscow")
        assert (await visibility.tickets(s, ann, text="laptop batt", opened=this_month)).total == 31
    assert await subjects(sessions, ANN, "laptop batt", status="closed") == ["Laptop battery, closed"]


async def test_text_that_the_index_reads_literally(web_desk):
    await add(web_desk, ANN, 'Ошибка "0x80070005" AND (NEAR) * ^col: 100%_ off')
    sessions = web_desk.sessions
    for text in ('"0x8007', "AND (NEAR)", "* ^col:", "100%_", ") OR (", 'a"b', "subject : x", "ab\x00c"):
        found = await subjects(sessions, ANN, text)
        assert found == (['Ошибка "0x80070005" AND (NEAR) * ^col: 100%_ off'] if text in
                         ('"0x8007', "AND (NEAR)", "* ^col:", "100%_") else []), text


async def test_short_text_looks_in_the_newest_tickets_and_says_so(web_desk, monkeypatch):
    older = await add(web_desk, ANN, "1С: отчёт", "ПК не включается")
    await add(web_desk, ANN, "1с обновить", "Мышь", "Клавиатура")
    sessions = web_desk.sessions
    async with sessions() as s:
        ann = await person(sessions, ANN)
        found = await visibility.tickets(s, ann, text="1С")
        assert [line.subject for line in found.lines] == ["1с обновить", "1С: отчёт"] and found.searched is None
        monkeypatch.setattr(ticket_search, "SHORT_SCAN", 3)  # Ann has 7 tickets: the 3 newest are looked at
        found = await visibility.tickets(s, ann, text="1С")
        assert [line.subject for line in found.lines] == ["1с обновить"] and found.searched == 3
        by_number = await visibility.tickets(s, ann, text=f"#{older[0]}")  # a number: found wherever it is
        assert [line.subject for line in by_number.lines] == ["1С: отчёт"]
        assert (await visibility.tickets(s, ann, text="пк")).total == 0  # older than the 3 newest
    browser = await web_desk.browser()
    await log_in(browser, sessions, web_desk.clock, ANN)
    page = await browser.page("/tickets?q=%D0%BF%D0%BA")  # "пк"
    assert "Text shorter than 3 characters is looked for in the newest 3 tickets only" in page
    assert "No tickets match" in page
    assert "shorter than 3" not in await browser.page("/tickets?q=printer")


async def test_many_matches_list_the_newest_and_say_so(web_desk, monkeypatch):
    await add(web_desk, BOSS, "VPN is slow in the office", days_ago=40)
    await add(web_desk, BOSS, "VPN drops", "VPN again", "vpn: new laptop", "The printer", status="closed")
    sessions = web_desk.sessions
    monkeypatch.setattr(ticket_search, "MATCHES", 2)
    # PostgreSQL looks in the newest blocks of numbers first: blocks of 2 here, so that it takes rounds
    monkeypatch.setattr(ticket_search, "BLOCK_BITS", 1)
    monkeypatch.setattr(ticket_search, "FIRST_WINDOW", 2)
    async with sessions() as s:
        boss = await person(sessions, BOSS)
        found = await visibility.tickets(s, boss, text="vpn")
        assert [line.subject for line in found.lines] == ["vpn: new laptop", "VPN again"] and found.more_than == 2
        month = visibility.Period(web_desk.clock.now() - timedelta(days=60), web_desk.clock.now() - timedelta(days=30))
        older = await visibility.tickets(s, boss, text="vpn", opened=month)  # a period reaches past the newest
        assert [line.subject for line in older.lines] == ["VPN is slow in the office"] and older.more_than is None
        assert (await visibility.tickets(s, boss, text="vpn", status="closed")).more_than == 2
        assert [line.subject for line in (await visibility.tickets(s, boss, text="office")).lines] == [
            "VPN is slow in the office"]  # one match, older than the first blocks
    browser = await web_desk.browser()
    await log_in(browser, sessions, web_desk.clock, BOSS)
    page = await browser.page("/tickets?q=vpn")
    assert "More than 2 tickets match: the newest 2 are listed" in page and "VPN again" in page
    assert "More than" not in await browser.page("/tickets?q=printer")


async def test_the_migration_indexes_the_tickets_already_there(db_url):
    engine = create_engine(db_url)
    try:
        before = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(search.REVISION).down_revision
        await migrate.upgrade(engine, before)
        at = datetime(2026, 11, 2, tzinfo=timezone.utc)
        async with session_factory(engine).begin() as s:
            await s.execute(insert(Organization).values(id=7, domain="acme.example", name="Acme", created_at=at))
            await s.execute(insert(Customer).values(id=3, email=ANN, name="Ann", organization_id=7, created_at=at))
            await s.execute(insert(Ticket).values(id=40, subject="Старый принтер", status="new", customer_id=3,
                                                  organization_id=7, created_at=at, updated_at=at))
        await migrate.upgrade(engine)
        async with session_factory(engine)() as s:
            ann = await visibility.viewer(s, 3)
            assert [line.number for line in (await visibility.tickets(s, ann, text="ПРИНТ")).lines] == [40]
    finally:
        await engine.dispose()
