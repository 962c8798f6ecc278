"""deskbot as its operators watch it: `deskbot run` with its metrics on a port of their own and JSON logs.

A mail comes in while Telegram refuses to take messages: the counters move, the outbox's gauges show the
card waiting (read from the database at the scrape), then draining once Telegram is back; two taps assign
the ticket and its wait is counted. The log is one JSON object a line; the ticket's lines carry its
number, an update's its update_id, and neither the bot's token nor the IMAP password appears.
"""
import json

from harness.mails import eventually, make_mail
from harness.observed import DANA, DISPATCHERS, IMAP_PASSWORD, get, observed_config, scrape, value
from harness.service_run import deskbot_process
from harness.telegram import fake_telegram  # noqa: F401  (fixture)

SUBJECT = "Scanner jammed on the 3rd floor"


async def _press(fake, message_id: int, text: str) -> None:
    await fake.wait_for(lambda: any(b["text"] == text for b in fake.message(DISPATCHERS, message_id).buttons()),
                        timeout=20, what=f"the button {text!r}")
    query = fake.press_button(DANA, DISPATCHERS, message_id, text=text)
    await fake.wait_for(lambda: fake.callback_answer(query), timeout=20, what=f"the answer to {text!r}")


async def test_metrics_and_json_logs_follow_real_work(tmp_path, dovecot, fake_telegram, smtp_sink, db_url):
    fake = fake_telegram
    config, base = observed_config(tmp_path, dovecot, fake, db_url, smtp=smtp_sink)
    log = tmp_path / "deskbot.log"
    async with deskbot_process(config, fake, log):
        assert (await get(f"{base}/healthz")).status == 200
        before = await scrape(base)
        assert value(before, "deskbot_tickets_created_total", source="mail") == 0  # there from the start
        assert value(before, "deskbot_outbox_pending", channel="telegram") == 0

        fake.fail("bad_gateway", seconds=600, methods=["sendMessage"])  # the card has to wait in the outbox
        dovecot.append(make_mail(subject=SUBJECT, sender="Olga <olga@acme.test>"))

        async def card_held():
            now = await scrape(base)
            trouble = value(now, "deskbot_outbox_errors_total", channel="telegram", outcome="trouble",
                            kind="TelegramServerError")
            return now if value(now, "deskbot_outbox_pending", channel="telegram") >= 1 and trouble >= 1 else None
        held = await eventually(card_held, timeout=60, interval=0.3, what="the card waiting, Telegram in trouble")
        assert value(held, "deskbot_tickets_created_total", source="mail") == 1
        assert value(held, "deskbot_mails_ingested_total", source="mail", outcome="ticket") == 1
        assert value(held, "deskbot_outbox_oldest_pending_age_seconds", channel="telegram") > 0
        ready = await get(f"{base}/readyz")  # Telegram answers getMe: refusing messages is not being away
        assert ready.status == 200, ready.text

        fake.clear_faults()
        card = await fake.wait_for_bot_message(DISPATCHERS, text_contains=SUBJECT, timeout=60)

        async def drained():
            now = await scrape(base)
            done = value(now, "deskbot_outbox_pending", channel="telegram") == 0 \
                and value(now, "deskbot_outbox_pending", channel="email") == 0 \
                and value(now, "deskbot_outbox_sent_total", channel="email") >= 1  # the acknowledgement
            return now if done else None
        after = await eventually(drained, timeout=60, interval=0.3, what="the outbox drained")
        assert value(after, "deskbot_outbox_sent_total", channel="telegram") >= 1
        assert value(after, "deskbot_outbox_oldest_pending_age_seconds", channel="telegram") == 0

        await _press(fake, card.message_id, "Support")
        await _press(fake, card.message_id, "Dana")

        async def assigned():
            now = await scrape(base)
            return now if value(now, "deskbot_time_to_assignment_seconds_count", how="dispatcher") == 1 else None
        counted = await eventually(assigned, timeout=30, interval=0.3, what="the assignment counted")
        assert value(counted, "deskbot_time_to_assignment_seconds_bucket", how="dispatcher", le="+Inf") == 1
        assert value(counted, "deskbot_tickets_created_total", source="mail") == 1  # once, whatever happened since

    text = log.read_text()
    assert IMAP_PASSWORD not in text and fake.token not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    opened = [line for line in lines if "ticket #1 opened" in line["message"]]
    assert opened and all(line["ticket"] == 1 for line in opened), opened
    trouble = [line for line in lines if "Telegram unreachable" in line["message"]]
    assert trouble and trouble[0]["ticket"] == 1 and trouble[0]["level"] == "WARNING", trouble
    handled = [line for line in lines if line["message"].startswith("Update id=")]
    assert len(handled) >= 2, [line["message"] for line in lines]
    for line in handled:  # the taps on the card: their update, and the ticket their buttons carry
        assert line["message"].startswith(f"Update id={line['update_id']} "), line
        assert line["ticket"] == 1, line
