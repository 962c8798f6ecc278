"""Telegram side of deskbot (aiogram routers, keyboards, texts, delivery)."""
from deskbot.bot.lazy_types import import_aiogram

# Before any module of this package imports aiogram: see bot/lazy_types.py.
import_aiogram()
