"""Answering with a photo or a document: the file leaves as an attachment of the answer e-mail."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from deskbot.dispatch.answers import MAX_ATTACHMENT_BYTES
from deskbot.storage.models import Attachment, Message
from harness.bot_desk import SAM, assigned, desk_data, email_of, mails, with_message_id

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40  # every byte value: the base64 round trip is checked
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(200)) + b"\xff\xd9"


@pytest.fixture(autouse=True)
def attachments_here(tmp_path, monkeypatch):
    """The desk's config keeps attachments in "attachments", relative: under this test's folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path / "attachments"


async def stored_files(desk) -> list[Attachment]:
    async with desk.sessions() as s:
        return list(await s.scalars(select(Attachment).join(Message, Message.id == Attachment.message_id)
                                    .where(Message.direction == "out").order_by(Attachment.id)))


async def answering(desk):
    _, private = await assigned(desk)
    await desk.press(SAM, SAM, private.message_id, desk_data(private, "Answer"))
    await desk.fake.wait_for_bot_message(SAM, text_contains="Type your answer")
    return private


async def test_a_document_after_answer_is_attached_with_its_caption_as_the_text(desk, attachments_here):
    await answering(desk)
    await with_message_id(desk)
    desk.fake.user_document(SAM, "отчёт.pdf", PDF, caption="The report you asked for.")
    await desk.fake.wait_for_bot_message(SAM, text_contains="is on its way")

    [row] = await mails(desk)
    msg = email_of(row)
    assert msg["In-Reply-To"] == "<first@example.com>" and msg["Subject"].endswith(" [#1]")
    assert "The report you asked for." in msg.get_body(("plain",)).get_content()
    [part] = list(msg.iter_attachments())
    assert (part.get_filename(), part.get_content_type(), part.get_content()) == ("отчёт.pdf", "application/pdf", PDF)
    assert part["Content-Transfer-Encoding"] == "base64"

    [stored] = await stored_files(desk)
    digest = hashlib.sha256(PDF).hexdigest()
    assert (stored.filename, stored.content_type, stored.size, stored.sha256) == (
        "отчёт.pdf", "application/pdf", len(PDF), digest)
    assert stored.stored_path == f"{digest[:2]}/{digest}" and stored.skipped_reason is None
    assert (attachments_here / stored.stored_path).read_bytes() == PDF


async def test_a_photo_replied_to_the_card_answers_that_ticket_with_a_default_text(desk, attachments_here):
    _, private = await assigned(desk)
    desk.fake.user_photo(SAM, JPEG, reply_to=private.message_id)
    await desk.fake.wait_for_bot_message(SAM, text_contains="is on its way")

    [row] = await mails(desk)
    msg = email_of(row)
    assert "Please see the attached file." in msg.get_body(("plain",)).get_content()
    [part] = list(msg.iter_attachments())
    assert (part.get_filename(), part.get_content_type(), part.get_content()) == ("photo-1.jpg", "image/jpeg", JPEG)
    [stored] = await stored_files(desk)
    assert (attachments_here / stored.stored_path).read_bytes() == JPEG


async def test_the_senders_file_name_is_only_shown_never_used_as_a_path(desk, attachments_here):
    _, private = await assigned(desk)
    desk.fake.user_document(SAM, "../../etc/passwd", b"root:x:0:0", mime_type="text/plain; charset=utf-8",
                            reply_to=private.message_id)
    await desk.fake.wait_for_bot_message(SAM, text_contains="is on its way")
    [part] = list(email_of((await mails(desk))[0]).iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("passwd", "text/plain")
    [stored] = await stored_files(desk)
    assert stored.filename == "passwd" and stored.stored_path.endswith(stored.sha256)
    assert (attachments_here / stored.stored_path).read_bytes() == b"root:x:0:0"


async def test_a_file_over_20_mb_is_refused_before_any_download(desk):
    await answering(desk)
    desk.fake.user_document(SAM, "dump.zip", bytes(MAX_ATTACHMENT_BYTES + 1))
    refusal = await desk.fake.wait_for_bot_message(SAM, text_contains="Nothing was sent on #1")
    assert "up to 20 MB" in refusal.text
    assert desk.fake.calls("getFile") == [] and await mails(desk) == [] and await stored_files(desk) == []


@pytest.mark.parametrize("failure", ["getFile", "download"])
async def test_a_failed_download_is_told_and_nothing_is_queued(desk, failure):
    _, private = await assigned(desk)
    if failure == "getFile":
        desk.fake.fail("bad_gateway", calls=1, methods=["getFile"])
    sent = desk.fake.user_document(SAM, "report.pdf", PDF, reply_to=private.message_id)
    if failure == "download":
        sent.file.content = None  # the file route answers 404; the bot has not run yet
    await desk.fake.wait_for_bot_message(SAM, text_contains="could not be fetched from Telegram")
    assert await mails(desk) == [] and await stored_files(desk) == []
    # The bot goes on: the same file sent again answers the ticket.
    desk.fake.user_document(SAM, "report.pdf", PDF, reply_to=private.message_id)
    await desk.fake.wait_for_bot_message(SAM, text_contains="is on its way")
    assert len(await mails(desk)) == 1
