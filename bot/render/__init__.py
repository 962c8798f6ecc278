"""Telegram rendering: pure functions from data to message text and buttons (no database, no outbox)."""
