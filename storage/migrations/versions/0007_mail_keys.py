"""A mail's key is its Message-ID with a digest of sender, date, subject and body: a reused Message-ID is no duplicate

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:00:00

The rows of raw_mail keep their bytes, so their keys are recomputed from them, in
batches of bounded size. The rules live here as frozen copies (deskbot's own code
may change later; this migration must not): `new_key` is mailbox/identity.py's
`mail_key` as of this revision, `old_key` the rule before it.

Two rows can end up with one key: two copies of a mail without a Message-ID stored
apart by the old rule (they differed in trace headers), or, going down, two mails
sharing a Message-ID. Both rows are kept; the later one gets a key of its own.
"""
import hashlib
import re

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ROWS_PER_BATCH = 500
BYTES_PER_BATCH = 32 * 1024 * 1024

raw_mail = sa.table(
    'raw_mail',
    sa.column('id', sa.Integer), sa.column('mailbox', sa.String), sa.column('message_key', sa.String),
    sa.column('size', sa.Integer), sa.column('content', sa.LargeBinary),
)


def upgrade() -> None:
    _rekey(new_key, lambda key, row_id: f"{key} row-{row_id}")


def downgrade() -> None:
    _rekey(old_key, lambda key, row_id: None)  # None: keep the new key, which the old rule never produces


def _rekey(rule, apart) -> None:
    conn = op.get_bind()
    last = 0
    while True:
        sizes = conn.execute(
            sa.select(raw_mail.c.id, raw_mail.c.size).where(raw_mail.c.id > last)
            .order_by(raw_mail.c.id).limit(ROWS_PER_BATCH)).all()
        if not sizes:
            return
        for ids in _by_size(sizes):
            _rekey_rows(conn, ids, rule, apart)
        last = sizes[-1][0]


def _by_size(sizes):
    """Groups of row ids whose contents together stay near BYTES_PER_BATCH: memory stays flat."""
    group, total = [], 0
    for row_id, size in sizes:
        if group and total + (size or 0) > BYTES_PER_BATCH:
            yield group
            group, total = [], 0
        group.append(row_id)
        total += size or 0
    if group:
        yield group


def _rekey_rows(conn, ids, rule, apart) -> None:
    rows = conn.execute(
        sa.select(raw_mail.c.id, raw_mail.c.mailbox, raw_mail.c.message_key, raw_mail.c.content)
        .where(raw_mail.c.id.in_(ids)).order_by(raw_mail.c.id)).all()
    wanted = {row.id: rule(bytes(row.content or b"")) for row in rows}
    holders = {}  # (mailbox, key) -> the row holding it; by mailbox, so that the unique index serves
    for mailbox in {row.mailbox for row in rows}:
        keys = {wanted[row.id] for row in rows if row.mailbox == mailbox}
        holders.update(
            ((mailbox, key), row_id)
            for row_id, key in conn.execute(
                sa.select(raw_mail.c.id, raw_mail.c.message_key)
                .where(raw_mail.c.mailbox == mailbox, raw_mail.c.message_key.in_(keys))))
    changes = []
    for row in rows:
        key = wanted[row.id]
        holder = holders.get((row.mailbox, key))
        if holder is not None and holder != row.id:
            key = apart(key, row.id)
        if key is None or key == row.message_key:
            continue
        holders[(row.mailbox, key)] = row.id
        changes.append({"row_id": row.id, "key": key})
    if changes:
        conn.execute(
            raw_mail.update().where(raw_mail.c.id == sa.bindparam("row_id")).values(message_key=sa.bindparam("key")),
            changes)


# -- the rules, frozen ------------------------------------------------------------------------------
_ID = re.compile(r"<([^<>\s]+)>")
MAX_ID_LENGTH = 900
KEY_VERSION = b"deskbot mail key 1\n"
KEY_FIELDS = (b"message-id", b"from", b"date", b"subject")


def new_key(raw: bytes) -> str:
    head_end, body_start = _split_at(raw)
    fields = _header_fields(raw[:head_end], KEY_FIELDS)
    digest = hashlib.sha256(KEY_VERSION)
    if fields.get(b"date") is None:
        digest.update(b"whole\n")
        digest.update(raw)
    else:
        for name in KEY_FIELDS:
            value = fields.get(name) or b""
            digest.update(b"%d:" % len(value) + value)
        body_end = len(raw)
        while body_end > body_start and raw[body_end - 1] in b"\r\n":
            body_end -= 1
        digest.update(memoryview(raw)[body_start:body_end])
    message_id = _normalize_id((fields.get(b"message-id") or b"").decode("utf-8", "replace"))
    if message_id is None:
        return "no-id:" + digest.hexdigest()
    if not (len(message_id) <= MAX_ID_LENGTH and message_id.isascii() and message_id.isprintable()):
        message_id = "sha256-id:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{message_id} {digest.hexdigest()}"


def old_key(raw: bytes) -> str:
    """The Message-ID alone, or a hash of the bytes without one (non-ASCII ids may differ slightly)."""
    head_end, _body_start = _split_at(raw)
    value = _header_fields(raw[:head_end], (b"message-id",)).get(b"message-id")
    message_id = _normalize_id(value.decode("utf-8", "replace")) if value is not None else None
    if message_id is None:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if len(message_id) > MAX_ID_LENGTH:
        return "sha256-id:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    return message_id


def _normalize_id(value):
    if not value:
        return None
    match = _ID.search(value)
    found = match.group(1) if match else value.strip().strip("<>").strip()
    if not found or any(ch.isspace() for ch in found):
        return None
    return found


def _split_at(raw: bytes):
    if raw.startswith(b"\n"):
        return 0, 1
    if raw.startswith(b"\r\n"):
        return 0, 2
    crlf = raw.find(b"\r\n\r\n")
    lf = raw.find(b"\n\n", 0, crlf if crlf >= 0 else len(raw))
    if lf >= 0:
        return lf, lf + 2
    if crlf >= 0:
        return crlf, crlf + 4
    return len(raw), len(raw)


def _header_fields(head: bytes, names):
    lower = b"\n" + head.lower()
    found = {}
    for name in names:
        at = lower.find(b"\n" + name + b":")
        if at < 0:
            continue
        start = at + len(name) + 1
        end = head.find(b"\n", start)
        while end >= 0 and head[end + 1:end + 2] in (b" ", b"\t"):
            end = head.find(b"\n", end + 1)
        found[name] = b" ".join(head[start:end if end >= 0 else len(head)].split())
    return found
