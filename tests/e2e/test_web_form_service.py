"""`deskbot run` takes requests on its web form: the acknowledgement leaves at once, woken as for mail."""
import asyncio
import re

from deskbot.app import service
from deskbot.dispatch.config import load_config
from harness.form_post import free_port, post_request
from harness.mails import eventually
from harness.pipe import pipe_config
from harness.smtp import smtp_section


async def test_a_form_request_is_acknowledged_by_the_running_service(tmp_path, smtp_sink, monkeypatch):
    monkeypatch.setattr(service, "OUTBOX_SWEEP_EVERY", 3600.0)  # only the intake's wake can send it in time
    port = free_port()
    path = pipe_config(tmp_path / "config.toml", f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}",
                       extra=smtp_section(smtp_sink, "support@desk.example") + f'[web]\nlisten = "127.0.0.1:{port}"\n')
    stop = asyncio.Event()
    run = asyncio.create_task(service.run(load_config(path, environ={}), stop=stop))
    try:
        status, sent = await post_request(port, {"name": "Kim", "email": "kim@acme.example", "subject": "No VPN",
                                                 "text": "The VPN does not connect since this morning."})
        assert status == 200, sent
        number = re.search(r"ticket #(\d+)", sent).group(1)
        await eventually(lambda: smtp_sink.received, timeout=20, what="the acknowledgement at the SMTP server")
        assert smtp_sink.received[0].rcpt_to == ["kim@acme.example"]
        assert f"[#{number}]" in smtp_sink.received[0].message["Subject"]
    finally:
        stop.set()
        await asyncio.wait_for(run, 30)

