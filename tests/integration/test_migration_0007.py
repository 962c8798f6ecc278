"""Migration 0007 recomputes the stored mail keys from the stored bytes, on SQLite and PostgreSQL, up and down."""
import hashlib
import importlib.util
from datetime import datetime
from pathlib import Path

from sqlalchemy import column, insert, select, table
from sqlalchemy.types import DateTime, Integer, LargeBinary, String

from deskbot.mailbox.identity import mail_key
from deskbot.storage import migrate
from deskbot.storage.db import create_engine
from harness.mails import make_mail

MIGRATION = Path(__file__).resolve().parents[2] / "storage/migrations/versions/0007_mail_keys.py"
raw_mail = table(
    "raw_mail", column("id", Integer), column("mailbox", String), column("message_key", String),
    column("folder", String), column("uidvalidity", Integer), column("uid", Integer), column("size", Integer),
    column("content", LargeBinary), column("received_at", DateTime), column("outcome", String),
)
NO_ID = b"From: cron@host.test\r\nSubject: Disk full\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\n\r\n/var is full\r\n"


def old_rule(raw: bytes, message_id: str | None) -> str:
    return message_id or "sha256:" + hashlib.sha256(raw).hexdigest()


def row(n: int, raw: bytes, key: str, mailbox: str = "support@imap.test") -> dict:
    return {"mailbox": mailbox, "message_key": key, "folder": "INBOX", "uidvalidity": 1, "uid": n,
            "size": len(raw), "content": raw, "received_at": datetime(2026, 11, 2), "outcome": "ticket"}


async def keys(engine) -> dict[int, str]:
    async with engine.connect() as conn:
        return dict((await conn.execute(select(raw_mail.c.id, raw_mail.c.message_key))).all())


async def test_keys_are_recomputed_in_batches_and_restored_going_down(db_url):
    many = [make_mail(f"Request {n}", message_id=f"<m{n}@client.test>") for n in range(1, 1101)]  # three batches
    special = [
        make_mail("INC-1", message_id="<reused@itsm.test>"),
        NO_ID,
        b"Received: from mx2; Mon, 2 Nov 2026 09:00:07 +0000\r\n" + NO_ID,  # the same mail, stored apart before
        b"\x00\xff not a mail",
    ]
    rows = [row(n, raw, old_rule(raw, f"m{n}@client.test")) for n, raw in enumerate(many, 1)]
    rows += [row(1101, special[0], "reused@itsm.test"), row(1102, special[1], old_rule(special[1], None)),
             row(1103, special[2], old_rule(special[2], None)), row(1104, special[3], old_rule(special[3], None)),
             row(1, special[0], "reused@itsm.test", mailbox="other@imap.test")]  # another mailbox: its own keys
    engine = create_engine(db_url)
    try:
        await migrate.upgrade(engine, "0006")
        async with engine.begin() as conn:
            await conn.execute(insert(raw_mail), rows)
        before = await keys(engine)

        await migrate.upgrade(engine, "0007")
        after = await keys(engine)
        contents = {n: r["content"] for n, r in enumerate(rows, 1)}
        assert {n: k for n, k in after.items() if k != mail_key(contents[n])} == {
            1103: mail_key(NO_ID) + " row-1103"}  # both copies kept; the later one apart
        assert after[1101] == after[1105] and after[1101].startswith("reused@itsm.test ")

        # A mail reusing the Message-ID, stored under the new rule: the old rule cannot tell it apart.
        reused = make_mail("INC-2", body="Another mail", message_id="<reused@itsm.test>")
        async with engine.begin() as conn:
            await conn.execute(insert(raw_mail), [row(1106, reused, mail_key(reused))])
        await migrate.downgrade(engine, "0006")
        assert await keys(engine) == {**before, 1106: mail_key(reused)}

        await migrate.upgrade(engine, "0007")
        assert await keys(engine) == {**after, 1106: mail_key(reused)}
    finally:
        await engine.dispose()


def test_contents_are_read_in_groups_of_bounded_size():
    spec = importlib.util.spec_from_file_location("m0007", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    big = migration.BYTES_PER_BATCH
    sizes = [(1, 10), (2, big - 10), (3, 1), (4, big * 2), (5, 5), (6, None)]
    assert list(migration._by_size(sizes)) == [[1, 2], [3], [4], [5, 6]]

