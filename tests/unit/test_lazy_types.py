"""aiogram imported with its models built on first use (bot/lazy_types.py) still validates everything."""
import subprocess
import sys

import aiogram.types
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import Message, Update

SCRIPT = """
import sys
import deskbot.bot
from pydantic import BaseModel

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

models = [c for c in subclasses(BaseModel) if c.__module__.startswith("aiogram.") and "[" not in c.__name__]
assert sum(c.__pydantic_complete__ for c in models) < 10, "models were built at import"
for model in models:
    model.model_rebuild(raise_errors=True)
    assert model.__pydantic_complete__, model
print(len(models))
"""


def test_every_aiogram_model_builds_when_first_needed():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout) > 600  # types and methods


def test_the_tests_run_on_lazily_built_models():
    assert "CallbackQuery" in vars(aiogram.types.update)  # the conftest imported aiogram the lazy way
    update = Update.model_validate({
        "update_id": 7,
        "callback_query": {"id": "q", "from": {"id": 1, "is_bot": False, "first_name": "Dana"}, "chat_instance": "c",
                           "data": "assign:5", "message": {
                               "message_id": 9, "date": 1764720000, "chat": {"id": -100, "type": "supergroup"},
                               "text": "#5", "reply_markup": {"inline_keyboard": [[{"text": "Support",
                                                                                    "callback_data": "d:1"}]]}}},
    })
    assert isinstance(update.callback_query.message, Message)
    assert update.callback_query.message.reply_markup.inline_keyboard[0][0].callback_data == "d:1"
    sent = SendMessage(chat_id=-100, text="<b>#5</b>", reply_markup=update.callback_query.message.reply_markup)
    assert sent.reply_markup.inline_keyboard[0][0].text == "Support"
    assert EditMessageText(chat_id=1, message_id=9, text="x").text == "x"
