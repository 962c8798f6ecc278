"""`deskbot run` with a round-robin department: a web form request of a type routed there reaches a
specialist's private chat without any tap, and the dispatcher chat's card says who got it and why."""
import asyncio

from deskbot.app import service
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch.config import load_config
from harness.form_post import free_port, post_request
from harness.pipe import pipe_config

DISPATCHERS, DANA, SAM, PAT = -1001, 1001, 1003, 1004


def desk_sections(fake: FakeTelegram, port: int) -> str:
    return f"""
[telegram]
token = "{fake.token}"
api_server = "{fake.url}"
dispatcher_chat_id = {DISPATCHERS}

[web]
listen = "127.0.0.1:{port}"

[[web.request_types]]
key = "printer"
label = {{ en = "A printer" }}
department = "support"

[[departments]]
key = "support"
name = "Support"
assign = "round_robin"

[[staff]]
name = "Dana"
telegram_id = {DANA}
roles = ["dispatcher"]

[[staff]]
name = "Sam"
telegram_id = {SAM}
departments = ["support"]

[[staff]]
name = "Pat"
telegram_id = {PAT}
departments = ["support"]
leave = ["2000-01-01..2100-01-01"]
"""


async def test_a_routed_form_request_is_assigned_without_a_tap(tmp_path):
    async with FakeTelegram() as fake:
        for user, name in [(DANA, "Dana"), (SAM, "Sam"), (PAT, "Pat")]:
            fake.add_user(user, name)
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        port = free_port()
        path = pipe_config(tmp_path / "config.toml", f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}",
                           extra=desk_sections(fake, port))
        stop = asyncio.Event()
        run = asyncio.create_task(service.run(load_config(path, environ={}), stop=stop))
        try:
            status, answer = await post_request(port, {"name": "Kim", "email": "kim@acme.example", "type": "printer",
                                                       "subject": "Paper jam", "text": "The printer on floor 2 jams."})
            assert status == 200, answer
            private = await fake.wait_for_bot_message(SAM, text_contains="You were assigned a ticket", timeout=30)
            assert "Paper jam" in private.text and "round robin" in private.text
            assert [b["text"] for b in private.buttons()][0] == "Take"
            card = await fake.wait_for_bot_message(DISPATCHERS, text_contains="Assigned automatically to Sam",
                                                   timeout=30)
            assert "Paper jam" in card.text and [b["text"] for b in card.buttons()] == ["Pat", "Sam", "« Back"]
            assert not fake.bot_messages(PAT)  # on leave
        finally:
            stop.set()
            await asyncio.wait_for(run, 30)
