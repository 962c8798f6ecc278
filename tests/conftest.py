"""Shared fixtures. The helpers live in tests/harness (on sys.path via pytest's pythonpath)."""
import deskbot.bot  # noqa: F401  (first: aiogram imported as the service imports it, bot/lazy_types.py)
from harness.databases import db_url, engine, migrated_templates, pg_url  # noqa: F401  (fixtures)
from harness.dovecot import dovecot  # noqa: F401  (fixture)
from harness.smtp import smtp_sink  # noqa: F401  (fixture)
