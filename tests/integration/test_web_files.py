"""Attachments in the cabinet: listed under their message, downloadable only by who sees that message,
and served so that no file ever becomes a page of ours."""
import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from deskbot.dispatch.config import Config
from deskbot.storage.models import Attachment, Message
from harness.web import ANN, BOSS, EVE, log_in

PDF = b"%PDF-1.4 a tiny pdf"
HTML = b"<html><script>alert(document.cookie)</script></html>"


def _config(folder) -> Config:
    return Config.model_validate({
        "mailbox": {"host": "imap.test", "username": "support@desk.example", "attachments_dir": str(folder)},
        "web": {"listen": "127.0.0.1:8080"}, "telegram": {"language": "en"}})


@dataclass
class Files:
    pdf: int
    html: int
    note: int
    eve: int
    lost: int  # over the size cap: listed, not kept


async def _attach(sessions, folder, seeded) -> Files:
    def keep(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (folder / digest[:2]).mkdir(parents=True, exist_ok=True)
        (folder / digest[:2] / digest).write_bytes(data)
        return f"{digest[:2]}/{digest}"

    async with sessions.begin() as s:
        def message(ticket: int, direction: str):
            return s.scalar(select(Message.id).where(Message.ticket_id == ticket, Message.direction == direction))
        ann_in, note, eve_in = (await message(seeded.ann_open, "in"), await message(seeded.ann_open, "note"),
                                await message(seeded.eve, "in"))
        rows = [Attachment(message_id=ann_in, filename="Счёт \"март\".pdf", content_type="application/pdf",
                           size=len(PDF), stored_path=keep(PDF)),
                Attachment(message_id=ann_in, filename="page.html", content_type="text/html", size=len(HTML),
                           stored_path=keep(HTML)),
                Attachment(message_id=note, filename="internal.txt", content_type="text/plain", size=3,
                           stored_path=keep(b"abc")),
                Attachment(message_id=eve_in, filename="eve.png", content_type="image/png", size=4,
                           stored_path=keep(b"\x89PNG")),
                Attachment(message_id=ann_in, filename="huge.zip", content_type="application/zip",
                           size=30 * 1024 * 1024, stored_path=None, skipped_reason="over the size cap")]
        s.add_all(rows)
        await s.flush()
        return Files(*(row.id for row in rows))


async def test_the_ticket_lists_attachments_and_serves_them_as_downloads(web_desk, tmp_path):
    files = await _attach(web_desk.sessions, tmp_path, web_desk.seeded)
    browser = await web_desk.browser(_config(tmp_path))
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    number = web_desk.seeded.ann_open
    page = await browser.page(f"/tickets/{number}")
    assert "Счёт &#34;март&#34;.pdf" in page and "page.html" in page and "19 bytes" in page
    assert "huge.zip" in page and "30.0 MB" in page and "not kept" in page
    assert f"/files/{files.lost}" not in page  # nothing to download
    assert "internal.txt" not in page and f"/files/{files.note}" not in page
    assert f'href="/tickets/{number}/files/{files.pdf}?view=1"' in page  # a PDF may open in the browser
    assert f"/files/{files.html}?view=1" not in page

    pdf = await browser.client.get(f"/tickets/{number}/files/{files.pdf}")
    assert pdf.status == 200 and await pdf.read() == PDF
    assert pdf.headers["Content-Type"] == "application/octet-stream"
    assert pdf.headers["Content-Disposition"] == (
        "attachment; filename=\"____ ______.pdf\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%22%D0%BC%D0%B0%D1%80"
        "%D1%82%22.pdf")
    assert pdf.headers["X-Content-Type-Options"] == "nosniff" and pdf.headers["Cache-Control"] == "no-store"
    viewed = await browser.client.get(f"/tickets/{number}/files/{files.pdf}?view=1")
    assert viewed.headers["Content-Type"] == "application/pdf"
    assert viewed.headers["Content-Disposition"].startswith("inline;")

    for ask in ("", "?view=1"):  # HTML is never shown as a page, whatever is asked
        html = await browser.client.get(f"/tickets/{number}/files/{files.html}{ask}")
        assert html.status == 200 and html.headers["Content-Type"] == "application/octet-stream"
        assert html.headers["Content-Disposition"].startswith("attachment;")
        assert "default-src 'self'" in html.headers["Content-Security-Policy"]


async def test_attachments_outside_what_the_person_sees_are_not_found(web_desk, tmp_path):
    files = await _attach(web_desk.sessions, tmp_path, web_desk.seeded)
    seeded = web_desk.seeded
    ann, eve, boss = [await web_desk.browser(_config(tmp_path)) for _ in range(3)]
    await log_in(ann, web_desk.sessions, web_desk.clock, ANN)
    await log_in(eve, web_desk.sessions, web_desk.clock, EVE)
    await log_in(boss, web_desk.sessions, web_desk.clock, BOSS)
    for browser, path in (
            (ann, f"/tickets/{seeded.eve}/files/{files.eve}"),  # another organization's
            (ann, f"/tickets/{seeded.ann_open}/files/{files.eve}"),  # under a ticket that is Ann's
            (ann, f"/tickets/{seeded.ann_open}/files/{files.note}"),  # an internal note's
            (ann, f"/tickets/{seeded.ann_closed}/files/{files.pdf}"),  # Ann's, under another ticket of hers
            (ann, f"/tickets/{seeded.ann_open}/files/{files.lost}"),  # never kept
            (ann, f"/tickets/{seeded.ann_open}/files/999999"),
            (eve, f"/tickets/{seeded.ann_open}/files/{files.pdf}")):
        response = await browser.client.get(path)
        assert response.status == 404, path
        assert "Not found" in await response.text() and "Content-Disposition" not in response.headers
    # The client manager sees the whole organization's tickets, so Ann's files too; Eve sees her own.
    assert (await boss.client.get(f"/tickets/{seeded.ann_open}/files/{files.pdf}")).status == 200
    assert (await eve.client.get(f"/tickets/{seeded.eve}/files/{files.eve}")).status == 200
    logged_out = await web_desk.browser(_config(tmp_path))
    anonymous = await logged_out.client.get(f"/tickets/{seeded.ann_open}/files/{files.pdf}", allow_redirects=False)
    assert anonymous.status == 303 and anonymous.headers["Location"] == "/login"


async def test_a_file_gone_from_the_disk_is_not_found(web_desk, tmp_path):
    files = await _attach(web_desk.sessions, tmp_path, web_desk.seeded)
    browser = await web_desk.browser(_config(tmp_path / "elsewhere"))
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    response = await browser.client.get(f"/tickets/{web_desk.seeded.ann_open}/files/{files.pdf}")
    assert response.status == 404
