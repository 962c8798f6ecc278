import logging

from deskbot.app.logs import RedactSecrets
from deskbot.mailbox.imap import ImapSettings


def test_secrets_are_masked_in_messages_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "login %s failed for %s", ("hunter2!", "bob"), None)
    try:
        raise RuntimeError("token 123:ABCDEF leaked")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactSecrets(["hunter2!", "123:ABCDEF"]).filter(record)
    assert record.getMessage() == "login *** failed for bob"
    assert "123:ABCDEF" not in record.exc_text and "token *** leaked" in record.exc_text


def test_short_or_empty_secrets_do_not_mask_everything():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a b c", (), None)
    RedactSecrets(["", "b"]).filter(record)
    assert record.getMessage() == "a b c"


def test_imap_settings_never_show_the_password():
    settings = ImapSettings("imap.test", 993, "ssl", "support@desk.test", "s3cret-pass")
    assert "s3cret-pass" not in repr(settings) and "s3cret-pass" not in str(settings)


def test_json_lines_carry_the_ticket_and_update_and_never_a_secret(capsys):
    import json

    from deskbot.app.logs import setup_logging
    from deskbot.telemetry.context import about

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        setup_logging("INFO", ["123:ABCDEF", "hunter2!"], "json")
        log = logging.getLogger("deskbot.test")
        with about(ticket=42, update_id=9001):
            log.info("login %s for ticket #%d", "hunter2!", 42)
            try:
                raise RuntimeError("token 123:ABCDEF leaked")
            except RuntimeError:
                log.exception("it broke")
        log.warning("nothing in particular")
    finally:
        root.handlers[:], root.level = handlers, level
    err = capsys.readouterr().err
    assert "123:ABCDEF" not in err and "hunter2!" not in err
    first, broke, plain = [json.loads(line) for line in err.splitlines()]
    assert {key: first[key] for key in ("level", "logger", "message", "ticket", "update_id")} == {
        "level": "INFO", "logger": "deskbot.test", "message": "login *** for ticket #42", "ticket": 42,
        "update_id": 9001}
    assert first["time"].endswith("+00:00")
    assert broke["ticket"] == 42 and "token *** leaked" in broke["exc_info"]
    assert "ticket" not in plain and "update_id" not in plain and plain["level"] == "WARNING"


def test_the_context_ends_with_its_block():
    from deskbot.telemetry.context import about, current

    with about(ticket=1):
        with about(ticket=2, update_id=3):
            assert current() == {"ticket": 2, "update_id": 3}
        assert current() == {"ticket": 1}
    assert current() == {}
