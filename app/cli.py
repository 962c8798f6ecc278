"""The `deskbot` command. Exit codes: 0 ok, 2 configuration, 3 database, 4 mailbox, 1 anything else."""
from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing itself is not imported: see below
if TYPE_CHECKING:
    import argparse

    from deskbot.dispatch.config import Config

# The rest is imported when needed: `deskbot ingest`, which an MTA starts for every mail, must
# not pay for pydantic and SQLAlchemy (app/cli_ingest.py).

EXIT_CONFIG, EXIT_DATABASE, EXIT_MAILBOX = 2, 3, 4
STATUSES = ["new", "assigned", "in_progress", "waiting", "closed"]


def parser() -> argparse.ArgumentParser:
    import argparse

    from deskbot.app import cli_demo, cli_ingest, cli_quarantine, cli_reports, cli_rules
    from deskbot.dispatch.config import default_path

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", default=None, help=f"config file (default: $DESKBOT_CONFIG or {default_path()})")
    top = argparse.ArgumentParser(prog="deskbot", description="Support e-mail in, dispatch from Telegram.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", parents=[common], help="run the service")
    commands.add_parser("poll-once", parents=[common], help="fetch the mailbox once, store, exit")
    commands.add_parser("check-config", parents=[common], help="validate the config file and exit")
    cli_ingest.add_command(commands, common)
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", parents=[common], help="migrate the database to this version's schema")
    tickets = commands.add_parser("tickets", parents=[common], help="list tickets")
    tickets.add_argument("--json", action="store_true", help="one JSON object per line")
    tickets.add_argument("--status", choices=STATUSES)
    cli_quarantine.add_commands(commands, common)
    cli_reports.add_commands(commands, common)
    cli_rules.add_commands(commands, common)
    cli_demo.add_command(commands)
    return top


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["ingest"]:  # the light path: see app/cli_ingest.py
        from deskbot.app.cli_ingest import ingest

        return ingest(argv[1:])
    import asyncio

    from deskbot.app.logs import setup_logging
    from deskbot.dispatch.config import ConfigError, load_config

    args = parser().parse_args(argv)
    if args.command == "demo":  # no config file: the demo writes its own
        from deskbot.app import cli_demo

        return cli_demo.run(args)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for line in exc.lines if args.command == "check-config" else [str(exc)]:  # check-config: every mistake
            print(f"deskbot: {line}", file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(config.logging.level, _secrets(config), config.logging.format)
    if args.command == "check-config":
        print(f"{config.path}: OK")
        return 0
    try:
        return asyncio.run(_dispatch(args, config))
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, config: Config) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from deskbot.app import database
    from deskbot.app.leadership import SecondPoller
    from deskbot.bot.render.texts import Texts
    from deskbot.mailbox.imap import CONNECTION_ERRORS

    import logging

    log = logging.getLogger("deskbot")
    texts = Texts(config.telegram.language)  # the command line's catalog
    try:
        if args.command == "poll-once" and not config.mailbox.imap:
            log.error("mailbox.mode is %r: there is no IMAP mailbox to poll", config.mailbox.mode)
            return EXIT_CONFIG
        # Only `run` imports the Telegram side (aiogram alone takes seconds to import on a slow
        # machine): poll-once, the listings and the maintenance commands stay quick.
        if args.command == "run":
            import asyncio

            from deskbot.app import memory, service

            memory.fewer_arenas()  # before the first thread (app/memory.py)
            await database.create_apart(config)  # an empty database: migrated by a child process
            trimmer = asyncio.create_task(memory.give_back_every())
            try:
                await service.run(config)
            finally:
                trimmer.cancel()
        elif args.command == "poll-once":
            from deskbot.app import mailin

            await mailin.poll_once(config)
        elif args.command == "db":
            await _db_upgrade(config)
        elif args.command == "tickets":
            await _print_tickets(config, args.status, args.json)
        elif args.command == "quarantine":
            from deskbot.app import cli_quarantine

            return await _with_sessions(config, lambda sessions: cli_quarantine.run(args, config, sessions))
        elif args.command == "rules":
            from deskbot.app import cli_rules

            return await _rules(args, config, texts, cli_rules)
        elif args.command in ("contracts", "report", "reports"):
            from deskbot.app import cli_reports

            return await _with_sessions(config, lambda sessions: cli_reports.run(args, config, texts, sessions))
    except (database.DatabaseNotReady, database.DatabaseUnavailable) as exc:
        log.error("database: %s", exc)  # our own words
        return EXIT_DATABASE
    except SecondPoller as exc:
        log.error("telegram: %s", exc)
        return EXIT_CONFIG
    except SQLAlchemyError as exc:
        log.debug("database: %s", _first_line(exc))  # the server's words, for whoever looks closer
        log.error("database: the database refused the command (run with logging.level = \"DEBUG\" for its answer)")
        return EXIT_DATABASE
    except CONNECTION_ERRORS as exc:
        log.debug("mailbox: %s", _first_line(exc))
        log.error("mailbox %s: %s", _mailbox(config), _mailbox_problem(texts, exc))
        return EXIT_MAILBOX
    return 0


def _mailbox(config: Config) -> str:
    return f"{config.mailbox.username} ({config.mailbox.host}:{config.mailbox.port}, folder {config.mailbox.folder})"


def _mailbox_problem(texts, exc: BaseException) -> str:
    """The catalog's words for what went wrong (one line: a refused login is not a traceback)."""
    from deskbot.bot.render.mail import problem
    from deskbot.mailbox.failures import classify_imap

    return problem(texts, classify_imap(exc))


async def _db_upgrade(config: Config) -> None:
    from deskbot.app.database import reachable
    from deskbot.storage import migrate
    from deskbot.storage.db import create_engine

    engine = create_engine(config.database.url)
    try:
        await reachable(engine)
        await migrate.upgrade(engine)
        print(f"database at revision {await migrate.current_revision(engine)}")
    finally:
        await engine.dispose()


async def _print_tickets(config: Config, status: str | None, as_json: bool) -> None:
    import json

    from deskbot.storage.queries import list_tickets

    if as_json:
        for row, figures in await _read(config, lambda s: _with_sla(s, config, status)):
            print(json.dumps({**row.as_json(), "sla": figures}, ensure_ascii=False))
        return
    rows = await _read(config, lambda s: list_tickets(s, status))
    print(f"{'#':>6}  {'status':<11} {'created (UTC)':<16}  {'msgs':>4}  {'customer':<30} subject")
    for r in rows:
        created = r.created_at.strftime("%Y-%m-%d %H:%M")
        print(f"{r.number:>6}  {r.status:<11} {created:<16}  {r.message_count:>4}  {(r.customer_email or '-')[:30]:<30} {r.subject[:60]}")
    print(f"{len(rows)} ticket(s)")


async def _with_sla(session, config: Config, status: str | None) -> list[tuple[object, dict]]:
    """Each ticket's row and its SLA figures now (targets, elapsed, due, state), counted as the sweep counts them."""
    from datetime import datetime, timezone

    from sqlalchemy import select

    from deskbot.dispatch import sla_watch
    from deskbot.storage.models import Ticket
    from deskbot.storage.queries import list_tickets

    rows = await list_tickets(session, status)
    query = select(Ticket).order_by(Ticket.id)
    found = await sla_watch.ticket_figures(session, config, list(await session.scalars(
        query.where(Ticket.status == status) if status else query)), datetime.now(timezone.utc))
    return [(row, sla_watch.as_json(found.get(row.number, {}))) for row in rows]


async def _read(config: Config, query):
    async def read(sessions):
        async with sessions() as session:
            return await query(session)
    return await _with_sessions(config, read)


async def _rules(args, config: Config, texts, cli_rules) -> int:
    """The listing needs no database; a trial reads it when there is one (else: as a desk with no tickets yet)."""
    from deskbot.app import database

    if getattr(args, "rules_action", None) != "test" or not _database_exists(config):
        return await cli_rules.run(args, config, texts, None)
    try:
        return await _with_sessions(config, lambda sessions: cli_rules.run(args, config, texts, sessions))
    except (database.DatabaseNotReady, database.DatabaseUnavailable):
        return await cli_rules.run(args, config, texts, None)


def _database_exists(config: Config) -> bool:
    """False for an SQLite file not made yet: opening it would make it, and a trial writes nothing."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(config.database.url)
    return not url.drivername.startswith("sqlite") or bool(url.database and Path(url.database).exists())


async def _with_sessions(config: Config, work):
    from deskbot.app.database import prepare_database
    from deskbot.storage.db import session_factory

    engine = await prepare_database(config, create=False)  # the CLI never races the service to create tables
    try:
        return await work(session_factory(engine))
    finally:
        await engine.dispose()


def _secrets(config: Config) -> list[str]:
    return [
        config.mailbox.password.get_secret_value(),
        config.smtp.password.get_secret_value(),
        config.telegram.token.get_secret_value(),
        config.telegram.webhook_secret.get_secret_value(),
        config.database.password,
        _url_password(config.telegram.fsm.get_secret_value()),  # redis://:password@host
    ]


def _url_password(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).password or ""


def _first_line(exc: BaseException) -> str:
    return (str(getattr(exc, "orig", None) or exc).splitlines() or [type(exc).__name__])[0]


if __name__ == "__main__":
    sys.exit(main())
