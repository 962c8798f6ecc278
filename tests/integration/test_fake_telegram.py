"""The fake Telegram Bot API, driven by a real aiogram Bot and Dispatcher.

These tests pin down what the fake promises the rest of the suite: Telegram's
refusals with Telegram's wording, flood control that aiogram turns into
TelegramRetryAfter, outages as aiogram sees them, and long polling/webhooks
that a Dispatcher really consumes.
"""
from __future__ import annotations

import asyncio
import base64
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.utils.backoff import BackoffConfig
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from deskbot.demo.botapi import DEFAULT_TOKEN, ControlError, FakeTelegram, Limit, RateLimits, WaitTimeout
from deskbot.demo.botapi.entities import HtmlError, parse_html
from harness.telegram import (  # noqa: F401  (fixtures)
    ManualClock,
    aiogram_bot,
    fake_telegram,
    telegram_bot,
)

DANA = 1001  # a dispatcher, in her private chat with the bot
OMAR = 1002
GROUP = -100200
PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=text, callback_data=data) for text, data in row] for row in rows])


@pytest.fixture
def fake(fake_telegram: FakeTelegram) -> FakeTelegram:
    fake_telegram.add_user(DANA, "Dana", username="dana")
    fake_telegram.add_user(OMAR, "Omar")
    fake_telegram.add_group(GROUP, "Support desk", members=[DANA, OMAR])
    return fake_telegram


@pytest.fixture
def bot(fake: FakeTelegram, telegram_bot: Bot) -> Bot:
    return telegram_bot


def clocked(limits: RateLimits | None = None, **kwargs: object) -> tuple[FakeTelegram, ManualClock]:
    """A fake (not started yet) whose limits and timeouts follow a manual clock;
    flood control is off unless ``limits`` are given."""
    clock = ManualClock()
    fake = FakeTelegram(clock=clock, limits=limits or RateLimits.off(), **kwargs)
    fake.add_user(DANA, "Dana")
    fake.add_user(OMAR, "Omar")
    fake.add_group(GROUP, "Support desk", members=[DANA])
    return fake, clock


async def raw_call(fake: FakeTelegram, path: str, **json: object) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.post(fake.url + path, json=json) as response:
            return response.status, await response.json()


# -- identity, tokens, unknown methods ------------------------------------------------

async def test_get_me_answers_the_bot_user(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456789, True, "deskbot_test_bot")


async def test_unknown_token_is_unauthorized(fake: FakeTelegram) -> None:
    stranger = Bot("42:wrong", session=AiohttpSession(api=fake.api_server()))
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    assert await raw_call(fake, "/bot42:wrong/getMe") == (
        401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_unknown_method_is_not_found_and_method_names_ignore_case(fake: FakeTelegram) -> None:
    assert await raw_call(fake, f"/bot{fake.token}/sendTelepathy") == (
        404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await raw_call(fake, f"/bot{fake.token}/GETME")
    assert status == 200 and body["ok"] is True and body["result"]["is_bot"] is True


# -- HTML and text rules --------------------------------------------------------------

@pytest.mark.parametrize(("html", "error"), [
    ("<p>Hello</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("if a < b", 'Unsupported start tag "" at byte offset 5'),
    ("Ticket <b>#12", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>bold</i>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
    ("done</b>", "Unexpected end tag at byte offset 4"),
    ("Tom & Jerry", 'Unescaped "&" at byte offset 4: use "&amp;" for a literal ampersand'),
    ("&nbsp;", 'Unescaped "&" at byte offset 0: use "&amp;" for a literal ampersand'),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("é <b", "Unclosed start tag at byte offset 3"),
])
async def test_bad_html_is_refused_like_telegram(fake: FakeTelegram, bot: Bot, html: str, error: str) -> None:
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(DANA, html)
    assert refused.value.message == f"Bad Request: can't parse entities: {error}"
    assert fake.bot_messages(DANA) == []


async def test_supported_html_is_parsed_into_entities(fake: FakeTelegram, bot: Bot) -> None:
    html = ('<b>New</b> ticket <a href="https://desk.test/t?id=7&tab=1">#7</a> from '
            '&lt;ann@example.test&gt; &amp; co &#8212; <i>Printer <u>jammed</u></i>\n'
            '<pre><code class="language-text">Error 0x42</code></pre>'
            '<blockquote expandable>long mail</blockquote><tg-spoiler>s</tg-spoiler>')
    sent = await bot.send_message(DANA, html)
    visible = "New ticket #7 from <ann@example.test> & co — Printer jammed\nError 0x42long mails"
    assert sent.text == visible
    types = [(e.type, e.offset, e.length) for e in sent.entities or []]
    assert ("bold", 0, 3) in types and ("text_link", 11, 2) in types
    assert ("italic", 45, 14) in types and ("underline", 53, 6) in types
    assert ("pre", 60, 10) in types and ("expandable_blockquote", 70, 9) in types
    assert sent.entities[[t[0] for t in types].index("text_link")].url == "https://desk.test/t?id=7&tab=1"
    recorded = fake.last_bot_message(DANA)
    assert (recorded.text, recorded.source, recorded.parse_mode) == (visible, html, "HTML")


def test_parser_counts_utf16_and_merges_pre_code() -> None:
    parsed = parse_html("😀 <b>x</b><pre><code class=\"language-py\">1</code></pre>")
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 1},
                               {"type": "pre", "offset": 4, "length": 1, "language": "py"}]
    assert parse_html("Tom & Jerry", strict_ampersand=False).text == "Tom & Jerry"
    with pytest.raises(HtmlError):
        parse_html('<a href="x>y</a>')


async def test_text_length_counts_visible_utf16_units(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(DANA, "<b>" + "x" * 4096 + "</b>")  # markup does not count
    await bot.send_message(OMAR, "😀" * 2048)  # 4096 UTF-16 code units
    for chat, text in ((DANA, "x" * 4097), (OMAR, "😀" * 2048 + "!")):
        with pytest.raises(TelegramBadRequest, match="^Telegram server says - Bad Request: message is too long$"):
            await bot.send_message(chat, text)
    for empty in ("", "   \n", "<b></b>"):
        with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
            await bot.send_message(DANA, empty)


async def test_captions_are_limited_to_1024(fake: FakeTelegram, bot: Bot) -> None:
    doc = BufferedInputFile(b"%PDF-1.4", "report.pdf")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message caption is too long"):
        await bot.send_document(DANA, doc, caption="c" * 1025)
    await bot.send_document(DANA, doc, caption="<i>" + "c" * 1024 + "</i>")


# -- keyboards ------------------------------------------------------------------------

@pytest.mark.parametrize(("button", "error"), [
    ({"text": "Assign", "callback_data": "é" * 33}, "BUTTON_DATA_INVALID"),  # 66 bytes
    ({"text": "Assign", "callback_data": ""}, "BUTTON_DATA_INVALID"),
    ({"text": "Assign"}, "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
    ({"text": "Assign", "callback_data": "a", "url": "https://x.test"},
     "can't parse inline keyboard button: exactly one of the optional fields must be used, "
     "found callback_data, url"),
    ({"text": "", "callback_data": "a"}, "BUTTON_TEXT_INVALID"),
    ({"text": "Open", "url": "not a url"}, "BUTTON_URL_INVALID"),
])
async def test_invalid_inline_buttons_are_refused(fake: FakeTelegram, bot: Bot, button: dict, error: str) -> None:
    with pytest.raises(TelegramBadRequest) as refused:
        await bot(SendMessage(chat_id=DANA, text="pick",
                              reply_markup={"inline_keyboard": [[button]]}))  # type: ignore[arg-type]
    assert refused.value.message == f"Bad Request: {error}"


async def test_callback_data_limit_is_64_bytes(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(DANA, "pick", reply_markup=keyboard([("A", "é" * 32)]))
    assert fake.message(DANA, sent.message_id).button_data() == ["é" * 32]


# -- edits and deletes ----------------------------------------------------------------

async def test_edits_are_recorded_and_noop_edits_refused(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(DANA, "<b>New</b> ticket", reply_markup=keyboard([("IT", "dept:it")]))
    not_modified = ("Bad Request: message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message")
    with pytest.raises(TelegramBadRequest) as refused:  # same text as shown, other tags
        await bot.edit_message_text("<strong>New</strong> ticket", chat_id=DANA, message_id=sent.message_id,
                                    reply_markup=keyboard([("IT", "dept:it")]))
    assert refused.value.message == not_modified
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=DANA, message_id=sent.message_id,
                                            reply_markup=keyboard([("IT", "dept:it")]))

    await bot.edit_message_text("<b>Assigned</b>", chat_id=DANA, message_id=sent.message_id)
    message = fake.message(DANA, sent.message_id)
    # Like Telegram, an edit without reply_markup removes the keyboard.
    assert (message.text, message.reply_markup, message.edit_date is not None) == ("Assigned", None, True)
    assert [(v.text, v.reply_markup is not None) for v in message.history] == [("New ticket", True)]

    await bot.edit_message_reply_markup(chat_id=DANA, message_id=sent.message_id,
                                        reply_markup=keyboard([("Close", "close")]))
    assert fake.message(DANA, sent.message_id).button_data() == ["close"]
    assert len(message.history) == 2


async def test_edit_and_delete_of_missing_messages(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="^.*Bad Request: message to edit not found$"):
        await bot.edit_message_text("x", chat_id=DANA, message_id=99)
    sent = await bot.send_message(DANA, "temporary")
    assert await bot.delete_message(DANA, sent.message_id) is True
    assert fake.message(DANA, sent.message_id).deleted
    assert fake.bot_messages(DANA) == [] and len(fake.bot_messages(DANA, include_deleted=True)) == 1
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to delete not found"):
        await bot.delete_message(DANA, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text("again", chat_id=DANA, message_id=sent.message_id)
    incoming = fake.user_message(DANA, "hello")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message can't be edited"):
        await bot.edit_message_text("hijack", chat_id=DANA, message_id=incoming.message_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to be replied not found"):
        await bot.send_message(DANA, "re", reply_parameters=ReplyParameters(message_id=404))
    reply = await bot.send_message(DANA, "re", reply_parameters=ReplyParameters(message_id=incoming.message_id))
    assert reply.reply_to_message.text == "hello"


# -- chats ----------------------------------------------------------------------------

async def test_unregistered_blocked_and_unstarted_chats(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(777, "hi")
    fake.block_bot(OMAR)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(OMAR, "hi")
    fake.user_command(OMAR, "start")  # writing to the bot again unblocks it
    await bot.send_message(OMAR, "welcome back")
    fake.add_user(1003, "Lea", started=False)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot can't initiate conversation with a user"):
        await bot.send_message(1003, "hi")
    fake.kick_bot(GROUP)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was kicked from the group chat"):
        await bot.send_message(GROUP, "hi")
    with pytest.raises(ControlError, match="group chat ids are negative"):
        fake.add_group(5, "wrong")


async def test_get_chat_chat_action_and_commands(fake: FakeTelegram, bot: Bot) -> None:
    group = await bot.get_chat(GROUP)
    assert (group.type, group.title) == ("group", "Support desk")
    assert (await bot.get_chat(DANA)).username == "dana"
    assert await bot.send_chat_action(GROUP, "typing") is True
    with pytest.raises(TelegramBadRequest, match="Bad Request: wrong parameter action in request"):
        await bot.send_chat_action(GROUP, "dancing")
    assert fake.world.chat_actions == [(GROUP, "typing")]
    commands = [BotCommand(command="queue", description="Open tickets")]
    assert await bot.set_my_commands(commands) is True
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == [("queue", "Open tickets")]
    with pytest.raises(TelegramBadRequest, match="Bad Request: BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Queue!", description="x")])


# -- files ----------------------------------------------------------------------------

async def test_uploads_are_recorded_and_user_files_downloadable(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_document(DANA, BufferedInputFile(b"a,b\n1,2\n", "report.csv"), caption="<b>May</b>")
    assert (sent.document.file_name, sent.document.file_size, sent.caption) == ("report.csv", 8, "May")
    recorded = fake.last_bot_message(DANA)
    assert (recorded.file.file_name, recorded.file.size, recorded.file.mime_type) == ("report.csv", 8, "text/csv")
    photo = await bot.send_photo(DANA, BufferedInputFile(PNG_1x1, "dot.png"))
    assert (photo.photo[-1].width, photo.photo[-1].height) == (1, 1)
    again = await bot.send_document(OMAR, sent.document.file_id)  # re-send by file_id
    assert again.document.file_id == sent.document.file_id
    with pytest.raises(TelegramBadRequest, match="Bad Request: IMAGE_PROCESS_FAILED"):
        await bot.send_photo(DANA, BufferedInputFile(b"not an image", "x.jpg"))
    with pytest.raises(TelegramBadRequest, match="Bad Request: wrong file identifier/HTTP URL specified"):
        await bot.send_document(DANA, "no-such-file-id")

    incoming = fake.user_document(DANA, "invoice.pdf", b"%PDF-1.7 hello", caption="see attached")
    downloaded = await bot.download(incoming.file.file_id)
    assert downloaded.read() == b"%PDF-1.7 hello"


# -- callback queries -----------------------------------------------------------------

async def test_button_presses_and_callback_answers() -> None:
    fake, clock = clocked(callback_query_ttl=900)
    async with fake, aiogram_bot(fake) as bot:
        sent = await bot.send_message(DANA, "Department?", reply_markup=keyboard([("IT", "dept:it"), ("HR", "dept:hr")]))
        with pytest.raises(ControlError, match=r"no button with callback_data='dept:ops'.*\('IT', 'dept:it'\)"):
            fake.press_button(DANA, DANA, sent.message_id, "dept:ops")
        query_id = fake.press_button(DANA, DANA, sent.message_id, text="HR")
        [update] = await bot.get_updates()
        assert (update.callback_query.id, update.callback_query.data) == (query_id, "dept:hr")
        assert update.callback_query.message.message_id == sent.message_id

        with pytest.raises(TelegramBadRequest, match="Bad Request: MESSAGE_TOO_LONG"):
            await bot.answer_callback_query(query_id, text="x" * 201)
        assert await bot.answer_callback_query(query_id, text="Sent to HR", show_alert=True) is True
        answer = fake.callback_answer(query_id)
        assert (answer.text, answer.show_alert) == ("Sent to HR", True)
        too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
        with pytest.raises(TelegramBadRequest) as twice:
            await bot.answer_callback_query(query_id)
        assert twice.value.message == too_old
        with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
            await bot.answer_callback_query("12345")

        late = fake.press_button(DANA, DANA, sent.message_id, "dept:it")
        clock.advance(901)
        with pytest.raises(TelegramBadRequest, match="query is too old"):
            await bot.answer_callback_query(late)

        await bot.edit_message_reply_markup(chat_id=DANA, message_id=sent.message_id, reply_markup=None)
        with pytest.raises(ControlError, match="its buttons: \\[\\]"):
            fake.press_button(DANA, DANA, sent.message_id, "dept:it")


# -- flood control --------------------------------------------------------------------

async def test_per_chat_limit_gives_retry_after_and_counts_ignoring_it() -> None:
    fake, clock = clocked(RateLimits(per_chat=Limit(3, 3.0), overall=None, per_group=None))
    async with fake, aiogram_bot(fake) as bot:
        for n in range(3):
            await bot.send_message(DANA, f"burst {n}")
            clock.advance(0.5)
        # Now t=1.5; the first message leaves the 3 s window at t=3: retry after 2 s.
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(DANA, "one too many")
        assert flood.value.retry_after == 2
        # aiogram rewrites the description, keeping Telegram's at the end.
        assert flood.value.message.endswith("Original description: Too Many Requests: retry after 2")
        await bot.send_message(OMAR, "other chats are not limited by Dana's")
        assert fake.counters.ignored_retry_after == 0

        clock.advance(1)  # only half of the retry_after
        with pytest.raises(TelegramRetryAfter) as again:
            await bot.edit_message_text("edits count too", chat_id=DANA, message_id=1)
        assert again.value.retry_after == 1
        assert (fake.counters.too_many_requests, fake.counters.ignored_retry_after) == (2, 1)
        assert [(r.method, r.scope, r.ignored_retry_after) for r in fake.counters.rate_limited] == [
            ("sendMessage", "chat", False), ("editMessageText", "chat", True)]

        clock.advance(again.value.retry_after)
        await bot.send_message(DANA, "after waiting")
        assert fake.counters.ignored_retry_after == 1


async def test_group_limit_is_20_per_minute() -> None:
    fake, clock = clocked(RateLimits(per_group=Limit(20, 60.0), per_chat=None, overall=None))
    async with fake, aiogram_bot(fake) as bot:
        for n in range(20):
            await bot.send_message(GROUP, f"ticket {n}")
            clock.advance(2)
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(GROUP, "21st")  # t=40: the first one leaves at t=60
        assert flood.value.retry_after == 20
        await bot.send_message(DANA, "private chats are not groups")
        clock.advance(20)
        await bot.send_message(GROUP, "21st, later")
        assert fake.counters.ignored_retry_after == 0


async def test_overall_limit_refuses_every_chat_but_blames_only_the_told_one() -> None:
    fake, clock = clocked(RateLimits(overall=Limit(30, 1.0), per_chat=None, per_group=None))
    for user in range(2000, 2031):
        fake.add_user(user, f"user {user}")
    async with fake, aiogram_bot(fake) as bot:
        for user in range(2000, 2030):
            await bot.send_message(user, "broadcast")
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(2030, "31st")
        assert flood.value.retry_after == 1
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(DANA, "another chat, same second")
        assert fake.counters.ignored_retry_after == 0
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(2030, "31st, too early")
        assert fake.counters.ignored_retry_after == 1
        clock.advance(1)
        await bot.send_message(2030, "31st, on time")


async def test_scripted_429_storm() -> None:
    fake, clock = clocked()
    async with fake, aiogram_bot(fake) as bot:
        fake.flood(calls=2, retry_after=7, methods=["sendMessage"])
        await bot.delete_webhook()  # not a sending call: untouched
        for _ in range(2):
            with pytest.raises(TelegramRetryAfter) as flood:
                await bot.send_message(DANA, "status")
            assert flood.value.retry_after == 7
            clock.advance(7)
        await bot.send_message(DANA, "status")
        assert (fake.counters.too_many_requests, fake.counters.ignored_retry_after) == (2, 0)
        assert {r.scope for r in fake.counters.rate_limited} == {"scripted"}


async def test_default_limits_are_telegrams() -> None:
    limits = RateLimits()
    assert (limits.overall, limits.per_chat, limits.per_group) == (
        Limit(30, 1.0), Limit(3, 3.0), Limit(20, 60.0))


# -- outages --------------------------------------------------------------------------

async def test_outages_as_aiogram_sees_them() -> None:
    fake, clock = clocked()
    async with fake, aiogram_bot(fake) as bot:
        fake.fail("bad_gateway", calls=1)
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(DANA, "x")
        fake.fail("bad_gateway_html", calls=1)
        with pytest.raises(ClientDecodeError):
            await bot.get_me()
        fake.fail("drop", calls=1)
        with pytest.raises(TelegramNetworkError, match="ServerDisconnectedError"):
            await bot.send_message(DANA, "x")
        await bot.send_message(DANA, "back")

        fake.fail(seconds=30, methods=["sendMessage"])
        with pytest.raises(TelegramServerError):
            await bot.send_message(DANA, "x")
        await bot.get_me()  # other methods still work
        clock.advance(30)
        await bot.send_message(DANA, "after the outage")
        assert fake.counters.outages == 4
        assert [m.text for m in fake.bot_messages(DANA)] == ["back", "after the outage"]


# -- updates: getUpdates, Dispatcher, webhook -----------------------------------------

async def test_get_updates_offsets_and_long_poll(fake: FakeTelegram, bot: Bot) -> None:
    for text in ("one", "two", "three"):
        fake.user_message(DANA, text)
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["one", "two", "three"]
    assert len(await bot.get_updates()) == 3  # not confirmed yet
    assert [u.message.text for u in await bot.get_updates(offset=updates[1].update_id)] == ["two", "three"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == []

    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await fake.wait_for(lambda: fake.updates.polling, what="a waiting getUpdates")
    fake.user_message(DANA, "four")
    [update] = await poll
    assert update.message.text == "four" and loop.time() - started < 20

    await bot.get_updates(offset=update.update_id + 1, allowed_updates=["message"])
    sent = await bot.send_message(DANA, "pick", reply_markup=keyboard([("A", "a")]))
    fake.press_button(DANA, DANA, sent.message_id, "a")  # not allowed: dropped, as Telegram does
    assert await bot.get_updates() == []
    assert list(fake.updates.filtered[0]) == ["update_id", "callback_query"]


async def test_second_poller_terminates_the_first(fake: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=20))
    await fake.wait_for(lambda: fake.updates.polling, what="a waiting getUpdates")
    async with aiogram_bot(fake) as second_instance:
        second = asyncio.create_task(second_instance.get_updates(timeout=20))
        with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
            await first
        fake.user_message(DANA, "hi")
        assert len(await second) == 1


async def test_dispatcher_polling_handles_commands_and_buttons(fake: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("New ticket <b>#7</b>: pick a department",
                             reply_markup=keyboard([("IT", "dept:it"), ("HR", "dept:hr")]))

    @router.callback_query(F.data.startswith("dept:"))
    async def department(query: CallbackQuery) -> None:
        await query.answer("Assigned")
        await query.message.edit_text(f"Ticket <b>#7</b> → {query.data[5:].upper()}")

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        fake.user_command(DANA, "start")
        ticket = await fake.wait_for_bot_message(DANA, text_contains="pick a department")
        query_id = fake.press_button(DANA, DANA, ticket.message_id, "dept:it")
        answer = await fake.wait_for(lambda: fake.callback_answer(query_id), what="the callback answer")
        assert answer.text == "Assigned"
        await fake.wait_for(lambda: ticket.text == "Ticket #7 → IT", what="the edit")
        assert ticket.reply_markup is None and len(ticket.history) == 1
        # The dispatcher confirmed everything it handled (offset), nothing is re-delivered.
        await fake.wait_for(lambda: not fake.updates.pending, what="updates confirmed")
        assert set(fake.updates.allowed or ()) == {"message", "callback_query"}
    finally:
        await dp.stop_polling()
        await polling
    assert fake.counters.ignored_retry_after == 0


async def test_dispatcher_polls_through_an_outage(fake: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"got: {message.text}")

    fake.fail("bad_gateway", calls=2, methods=["getUpdates"])
    fake.fail("drop", calls=1, methods=["getUpdates"])
    fake.user_message(DANA, "printer down")  # queued while Telegram is "down"
    fast_retry = BackoffConfig(min_delay=0.01, max_delay=0.05, factor=1.5, jitter=0.0)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False,
                                                   backoff_config=fast_retry))
    try:
        answer = await fake.wait_for_bot_message(DANA)
        assert answer.text == "got: printer down"
        assert fake.counters.outages == 3
    finally:
        await dp.stop_polling()
        await polling


async def test_webhook_delivers_with_secret_and_runs_the_answer(fake: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> SendMessage:
        return message.answer("Hello from the webhook")  # answered in the webhook response

    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="s3cret-token", handle_in_background=False).register(app, path="/hook")
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        with pytest.raises(TelegramBadRequest, match="bad webhook: An HTTPS URL must be provided for webhook"):
            await bot.set_webhook("http://desk.example/hook")
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret-token")
        with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        fake.user_command(DANA, "start")
        await fake.wait_for_bot_message(DANA, text_contains="Hello from the webhook")
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count, info.last_error_message) == (
            f"http://127.0.0.1:{port}/hook", 0, None)

        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="wrong-secret")
        fake.user_command(DANA, "start")  # aiogram refuses the secret: 401, retried later
        await fake.wait_for(lambda: fake.webhook.last_error_message, what="a webhook error")
        assert (await bot.get_webhook_info()).last_error_message == "Wrong response from the webhook: 401 Unauthorized"
        assert await bot.delete_webhook(drop_pending_updates=True)
        assert await bot.get_updates() == []
    finally:
        await runner.cleanup()


# -- control API: in-process and over HTTP --------------------------------------------

async def test_wait_for_reports_the_last_calls_on_timeout(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(DANA, "<p>oops</p>")
    with pytest.raises(WaitTimeout, match=r"(?s)1 bot message\(s\) in chat 1001 not met.*sendMessage: 400 Bad Request: "
                                          r"can't parse entities"):
        await fake.wait_for_bot_message(DANA, timeout=0.05)


async def test_http_control_api(fake: FakeTelegram, bot: Bot) -> None:
    async with aiohttp.ClientSession(base_url=fake.url) as http:
        async def post(path: str, **body: object) -> object:
            async with http.post("/_control" + path, json=body) as response:
                return response.status, await response.json()

        assert (await post("/users", id=1010, first_name="Ivo"))[0] == 200
        assert (await post("/groups", id=-500, title="Night shift", members=[1010]))[0] == 200
        status, injected = await post("/messages", from_user=1010, text="printer down", chat_id=-500)
        assert status == 200 and injected["text"] == "printer down"
        [update] = await bot.get_updates()
        assert (update.message.chat.id, update.message.from_user.id) == (-500, 1010)

        async def wait_for_change(after: int) -> dict:
            async with http.get("/_control/wait", params={"after": str(after), "timeout": "10"}) as response:
                return await response.json()

        waiting = asyncio.create_task(wait_for_change(fake.version))
        sent = await bot.send_message(-500, "On it", reply_markup=keyboard([("Done", "done")]))
        assert (await waiting)["changed"] is True
        status, query = await post("/callback_queries", from_user=1010, chat_id=-500,
                                   message_id=sent.message_id, callback_data="done")
        assert status == 200 and query["id"]
        assert (await post("/callback_queries", from_user=1010, chat_id=-500, message_id=sent.message_id,
                           callback_data="nope"))[0] == 400
        async with http.get("/_control/chats/-500/messages", params={"from_bot": "1"}) as response:
            [record] = await response.json()
        assert (record["text"], record["reply_markup"]["inline_keyboard"][0][0]["callback_data"]) == ("On it", "done")

        assert (await post("/floods", calls=1, retry_after=3))[0] == 200
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(-500, "x")
        async with http.get("/_control/counters") as response:
            counters = await response.json()
        assert counters["too_many_requests"] == 1 and counters["requests"]["sendMessage"] == 2


async def test_http_control_files_commands_faults_and_reset(fake: FakeTelegram, bot: Bot) -> None:
    async with aiohttp.ClientSession(base_url=fake.url) as http:
        async def call(method: str, path: str, **body: object) -> object:
            async with http.request(method, "/_control" + path, json=body or None) as response:
                assert response.status == 200, await response.text()
                return await response.json()

        command = await call("POST", "/commands", from_user=DANA, command="assign", args="42", chat_id=GROUP,
                             mention=True)
        assert command["text"] == "/assign@deskbot_test_bot 42"
        document = await call("POST", "/documents", from_user=DANA, file_name="log.txt",
                              content_base64=base64.b64encode(b"boot failed").decode())
        assert (document["file"]["mime_type"], document["file"]["size"]) == ("text/plain", 11)
        photo = await call("POST", "/photos", from_user=DANA, content_base64=base64.b64encode(PNG_1x1).decode(),
                           caption="screen")
        updates = await bot.get_updates()
        assert [u.message.text or u.message.caption for u in updates] == [
            "/assign@deskbot_test_bot 42", None, "screen"]
        assert updates[2].message.photo[-1].file_id == photo["file"]["file_id"]

        await call("POST", "/faults", kind="bad_gateway", calls=5)
        with pytest.raises(TelegramServerError):
            await bot.get_me()
        await call("DELETE", "/faults")
        await bot.get_me()
        log = await call("GET", "/requests?method=getMe")
        assert [r["status"] for r in log] == [502, 200]

        state = await call("GET", "/state")
        assert {c["id"] for c in state["chats"]} == {DANA, OMAR, GROUP}
        await call("POST", "/reset")
        assert (await call("GET", "/state"))["chats"] == []
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(DANA, "hello?")


async def test_runs_as_a_separate_process() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "deskbot.demo.botapi", "--port", "0", "--no-limits",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert line.startswith("READY http://127.0.0.1:"), line
        url = line.split()[1]
        async with aiohttp.ClientSession() as http:
            async with http.post(url + "/_control/users", json={"id": DANA, "first_name": "Dana"}) as response:
                assert response.status == 200
            async with http.post(f"{url}/bot{DEFAULT_TOKEN}/sendMessage",
                                 data={"chat_id": str(DANA), "text": "<b>hi</b>", "parse_mode": "HTML"}) as response:
                body = await response.json()
        assert body["result"]["text"] == "hi"
    finally:
        process.terminate()
        _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
