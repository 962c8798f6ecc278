"""The cookie key: from DESKBOT_WEB_SECRET, or made once and kept in the database, the same for every process."""
import asyncio

from deskbot.dispatch.web_access import web_key
from deskbot.storage.db import session_factory


async def test_the_key_is_made_once_and_kept(engine):
    sessions = session_factory(engine)

    async def read() -> bytes:
        async with sessions.begin() as session:
            return await web_key(session, "")

    first = await read()
    assert len(first) == 32
    assert await asyncio.gather(read(), read()) == [first, first]
    async with sessions.begin() as session:
        configured = await web_key(session, "x" * 40)
    assert len(configured) == 32 and configured != first
