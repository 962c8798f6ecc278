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
