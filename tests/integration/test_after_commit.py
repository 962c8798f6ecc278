"""storage.db.after_commit: what is counted at a commit happens once the transaction holds, never for one
rolled back, and once for a transaction retried in the same session; on both databases."""
from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from deskbot.storage.db import after_commit, session_factory
from deskbot.storage.models import Organization

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


async def test_done_once_committed_never_when_rolled_back(engine):
    sessions = session_factory(engine)
    done: list[str] = []
    async with sessions.begin() as session:
        session.add(Organization(domain="acme.test", name="Acme", created_at=NOW))
        after_commit(session, lambda: done.append("acme"))
        assert done == []  # not before the commit
    assert done == ["acme"]

    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            after_commit(session, lambda: done.append("twice"))
            session.add(Organization(domain="acme.test", name="Acme again", created_at=NOW))
    assert done == ["acme"]


async def test_a_transaction_retried_in_one_session_counts_once(engine):
    sessions = session_factory(engine)
    done: list[int] = []
    async with sessions() as session:
        for attempt in (1, 2):
            after_commit(session, lambda attempt=attempt: done.append(attempt))
            session.add(Organization(domain="beta.test", name="Beta", created_at=NOW))
            if attempt == 1:
                await session.flush()
                await session.rollback()  # the first try fails: its count goes with it
            else:
                await session.commit()
        await session.commit()  # a later, empty commit does nothing again
    assert done == [2]
