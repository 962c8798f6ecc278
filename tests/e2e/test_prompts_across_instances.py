"""Every prompt of the bot asked through one instance and answered through the other: two services on
one PostgreSQL database in webhook mode behind a round-robin balancer, their FSM in Redis. The answer
and the time spent are proved by test_two_instances.py; here the question for a colleague, the
colleague's note back and their time spent helping."""
from __future__ import annotations

import asyncio
import random

import pytest

from deskbot.app import service
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch.config import load_config
from harness.balancer import RoundRobin
from harness.cluster import Instance, forget_prompts, redis_url, tapped, typed
from harness.databases import drop_pg_database
from harness.mails import make_mail
from harness.service_run import DANA, SAM, Service, assigned_to_sam, people

pytestmark = [pytest.mark.dovecot, pytest.mark.postgres]
REDIS = redis_url()


async def test_a_colleagues_prompts_answered_through_the_other_instance(
        tmp_path, dovecot, smtp_sink, migrated_templates):
    bot_id = random.randint(10**9, 2 * 10**9)  # the FSM's Redis keys carry it: this test's own
    db_url = await migrated_templates.pg_copy()
    a, b = Instance("A", tmp_path / "a"), Instance("B", tmp_path / "b")
    stop = asyncio.Event()
    try:
        async with FakeTelegram(token=f"{bot_id}:AAClusterTestTokenForDeskbot_x2") as fake, \
                RoundRobin([a.listen, b.listen]) as balancer:
            people(fake)
            runs = []
            for instance in (a, b):
                instance.write_config(dovecot, db_url, fake, smtp_sink, f"{balancer.url}/telegram", REDIS)
                runs.append(asyncio.create_task(service.run(load_config(instance.config, environ={}), stop=stop)))
            try:
                await fake.wait_for(lambda: len(fake.calls("setWebhook")) == 2, timeout=30, what="both listening")
                desk = Service(fake, None, a.log)

                dovecot.append(make_mail("VPN drops"))
                private = await assigned_to_sam(desk, fake, "VPN drops")
                await tapped(fake, SAM, SAM, private.message_id, "Ask a colleague")
                whom = await fake.wait_for_bot_message(SAM, text_contains="Whom should I ask", timeout=10)
                await tapped(fake, SAM, SAM, whom.message_id, "Support")
                asked = await tapped(fake, SAM, SAM, whom.message_id, "Dana")
                await fake.wait_for_bot_message(SAM, text_contains="What should Dana know", timeout=10)
                question = await typed(fake, SAM, "Which VPN profile does the client use?")
                request = await fake.wait_for_bot_message(DANA, text_contains="Sam asks for your help on #1",
                                                          timeout=10)
                assert balancer.backend_of(asked) != balancer.backend_of(question)

                noting = await tapped(fake, DANA, DANA, request.message_id, "Note")
                await fake.wait_for_bot_message(DANA, text_contains="Type your note on #1", timeout=10)
                note = await typed(fake, DANA, "Profile B, the one with split tunnelling.")
                await fake.wait_for_bot_message(SAM, text_contains="Profile B, the one with split", timeout=10)
                assert balancer.backend_of(noting) != balancer.backend_of(note)

                timing = await tapped(fake, DANA, DANA, request.message_id, "My time")
                await fake.wait_for_bot_message(DANA, text_contains="How long did you spend helping", timeout=10)
                minutes = await typed(fake, DANA, "15m")
                await fake.wait_for_bot_message(DANA, text_contains="15 min recorded on #1", timeout=10)
                assert balancer.backend_of(timing) != balancer.backend_of(minutes)
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(*runs), 30)
    finally:
        await drop_pg_database(db_url.rpartition("/")[2])
        await forget_prompts(REDIS, bot_id)
