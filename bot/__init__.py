"""Telegram side of deskbot (aiogram routers, keyboards, texts, delivery)."""
