"""/healthz and /readyz of a running service: ready while the database, the IMAP session and Telegram
answer; 503 naming the one that does not, and ready again once it is back. /metrics on the web face's
listener is for the allowed addresses only. PostgreSQL, whose database can really go away and come back."""
import asyncio
import json

import asyncpg

from deskbot.app import service
from deskbot.dispatch.config import load_config
from harness.databases import POSTGRES
from harness.mails import eventually
from harness.observed import free_port, get, observed_config, scrape, value
from harness.telegram import fake_telegram  # noqa: F401  (fixture)


async def _readiness(base: str, ready: bool, failing: str | None = None, timeout: float = 60) -> dict:
    async def answered():
        answer = await get(f"{base}/readyz")
        checks = json.loads(answer.text)["checks"]
        if answer.status != (200 if ready else 503):
            return None
        if failing is not None and checks[failing] == "ok":
            return None
        return checks
    return await eventually(answered, timeout=timeout, interval=0.3,
                            what=f"/readyz {'ready' if ready else 'not ready: ' + str(failing)}")


async def _database(name: str, *, open_: bool) -> None:
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if open_ else "false"}')
        if not open_:  # and the service's connections end, as when the server goes away
            await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
    finally:
        await conn.close()


async def test_readyz_names_what_is_away_and_comes_back(tmp_path, dovecot, fake_telegram, pg_url):
    fake = fake_telegram
    web = f"127.0.0.1:{free_port()}"
    path, probes = observed_config(tmp_path, dovecot, fake, pg_url, extra=f'\n[web]\nlisten = "{web}"\n')
    config = load_config(path, environ={})
    stop = asyncio.Event()
    run = asyncio.create_task(service.run(config, stop=stop))
    name = pg_url.rpartition("/")[2]
    try:
        checks = await _readiness(f"http://{web}", ready=True)  # the web face's listener serves them too
        assert checks == {"database": "ok", "imap": "ok", "telegram": "ok"}
        for base in (probes, f"http://{web}"):
            assert (await get(f"{base}/healthz")).status == 200
        refused = await get(f"http://{web}/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert refused.status == 403  # through a proxy [web] proxies does not name: its client is unknown
        assert (await get(f"http://{web}/metrics")).status == 200  # loopback: the default [metrics] allow

        fake.fail("bad_gateway", seconds=600)
        checks = await _readiness(probes, ready=False, failing="telegram")
        assert checks["telegram"].startswith("unreachable") and checks["database"] == "ok", checks
        fake.clear_faults()
        await _readiness(probes, ready=True)

        dovecot.stop()
        checks = await _readiness(probes, ready=False, failing="imap")
        assert checks["imap"] == "no IMAP session", checks
        dovecot.start()
        await _readiness(probes, ready=True, timeout=90)
        samples = await scrape(probes)
        assert value(samples, "deskbot_imap_reconnects_total") >= 1
        assert value(samples, "deskbot_imap_failures_total", kind="connection") >= 1

        await _database(name, open_=False)
        try:
            checks = await _readiness(probes, ready=False, failing="database")
            assert checks["database"] != "ok", checks
            assert (await get(f"{probes}/healthz")).status == 200  # alive: it asks no database
            during = await scrape(probes)  # the process's own figures, without the outbox's
            assert not any(sample == "deskbot_outbox_pending" for sample, _ in during)
        finally:
            await _database(name, open_=True)
        await _readiness(probes, ready=True)
        after = await scrape(probes)
        assert value(after, "deskbot_outbox_pending", channel="telegram") == 0
        assert ("deskbot_outbox_pending", (("channel", "email"),)) in after
    finally:
        stop.set()
        await asyncio.wait_for(run, 60)
