"""The e-mail that carries a customer's login code: composed here, queued in the outbox, sent by the mail sender."""
from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.catalog.words import Catalog
from deskbot.dispatch import outbox
from deskbot.dispatch.config import Config
from deskbot.dispatch.web_access import CODE_VALID
from deskbot.mailbox.outbound import Outbound, compose, new_message_id


def queue_code_mail(session: AsyncSession, config: Config, words: Catalog, *, email: str, code: str, link: str,
                    now: datetime) -> None:
    """The code and a link to the page that asks to confirm it: a mail scanner opening the link logs nobody in."""
    sender = config.smtp.from_address or config.mailbox.username
    minutes = int(CODE_VALID.total_seconds() // 60)
    mail = Outbound(from_address=sender, to_address=email, to_name="",
                    subject=words.plain("web-code-mail-subject", code=code),
                    text=words.plain("web-code-mail-text", code=code, link=link, minutes=minutes),
                    automatic=True, auto_submitted="auto-generated")
    data = compose(mail, message_id=new_message_id(sender), date=now).as_bytes()
    outbox.send_mail(session, mail_from=parseaddr(sender)[1], rcpt_to=[email], data=data, purpose="web-code", now=now)
