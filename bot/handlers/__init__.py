"""The bot's routers, one per concern, each kept to the chats where its buttons live."""
from __future__ import annotations

from aiogram import F, Router

from deskbot.bot.handlers import answer, assign, assignee, away, close, commands, escalate, quarantine, replied, reports
from deskbot.bot.handlers import tariffs, web
from deskbot.dispatch.config import Config


def routers(config: Config) -> list[Router]:
    """Fresh routers (a router joins one dispatcher only): commands first, so that /my still
    works while the bot waits for a typed time."""
    private = F.chat.type == "private"
    pressed_in_private = F.message.chat.type == "private"
    # The department and people buttons: on the dispatcher chat's cards, and on the cards
    # that /ticket shows a dispatcher privately. Who may press them is checked per press.
    picking = assign.router()
    picking.callback_query.filter(pressed_in_private | (F.message.chat.id == config.telegram.dispatcher_chat_id))
    working = assignee.router()
    working.callback_query.filter(pressed_in_private)
    closing = close.router()
    closing.callback_query.filter(pressed_in_private)
    closing.message.filter(private)
    # Before the prompts: a reply about another ticket acts on that ticket, not as the prompt's input.
    aimed = replied.elsewhere()
    aimed.message.filter(private)
    helping = escalate.router()
    helping.callback_query.filter(pressed_in_private)
    helping.message.filter(private)
    answering = answer.router()  # after closing: a time typed while Close asks is a time, not an answer
    answering.callback_query.filter(pressed_in_private)
    answering.message.filter(private)
    replying = replied.router()  # last: a reply that no prompt took acts on its message's ticket
    replying.message.filter(private)
    reporting = reports.router()  # a manager's /report and Send / Hold, in private
    reporting.callback_query.filter(pressed_in_private)
    reporting.message.filter(private)
    asked = tariffs.router()  # a manager's *Answered* on a client's tariff request, in private
    asked.callback_query.filter(pressed_in_private)
    return [commands.router(), away.router(config), web.router(), asked, quarantine.router(config), reporting, picking, working, aimed, closing, helping,
            answering, replying]
