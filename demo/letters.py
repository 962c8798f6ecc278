"""The mails customers send in the demo: the page's customer, and a burst of 50 from many.

The burst is what a support mailbox sees on a busy morning: people of a dozen organizations
(and a few on free mail), in English and Russian, some answering their own earlier mail, one
with a log file and one with a screenshot attached.
"""
from __future__ import annotations

import base64
import random
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import formataddr, formatdate, make_msgid

from deskbot.demo.people import SUPPORT_ADDRESS, SUPPORT_NAME

# A 1x1 PNG: the screenshot a customer attaches.
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

CUSTOMERS = [
    ("Emma Clarke", "emma.clarke@harbor-logistics.example", "en"),
    ("Tom Becker", "t.becker@harbor-logistics.example", "en"),
    ("Priya Shah", "priya@brightline-dental.example", "en"),
    ("Lucas Moreau", "lucas.moreau@atelier-vert.example", "en"),
    ("Hannah Lee", "hannah.lee@quayside-hotels.example", "en"),
    ("George Wu", "gwu@quayside-hotels.example", "en"),
    ("Maria Santos", "maria.santos@gmail.com", "en"),
    ("Oliver Grant", "accounts@grant-sons.example", "en"),
    ("Иван Петров", "i.petrov@sever-stroy.example", "ru"),
    ("Екатерина Смирнова", "smirnova@sever-stroy.example", "ru"),
    ("Алексей Кузнецов", "kuznetsov@volga-agro.example", "ru"),
    ("Наталья Орлова", "orlova@volga-agro.example", "ru"),
    ("Дмитрий Волков", "d.volkov@yandex.ru", "ru"),
    ("Ольга Морозова", "buh@teplo-servis.example", "ru"),
]

TOPICS = {
    "en": [
        ("VPN drops every few minutes", "Since this morning the VPN disconnects every five minutes or so. "
         "It happens on three laptops in the warehouse office. Could you have a look?"),
        ("Invoice 2024-118 shows the wrong VAT", "The invoice we received yesterday has VAT at 20% but we are "
         "exempt, as agreed in the contract. Please send a corrected one."),
        ("Printer on the 2nd floor is offline", "The HP printer near reception says 'offline' for everyone. "
         "We already restarted it twice."),
        ("New employee needs an account", "Please create an e-mail account and a VPN login for our new "
         "colleague, Julia Novak, starting on Monday."),
        ("Cannot open shared folder", "When I open \\\\files\\projects I get 'access denied'. It worked last week."),
        ("Backup report says FAILED", "Tonight's backup report says FAILED for the database server. Log attached."),
        ("Website contact form sends nothing", "Customers say they filled in the contact form but we got no mail."),
        ("Question about our contract hours", "How many support hours have we used this month? "
         "Our manager wants to know before the quarterly review."),
        ("Outlook keeps asking for the password", "Outlook asks for my password again and again, even after I type it."),
        ("Wi-Fi in the meeting room is slow", "Video calls in the big meeting room freeze. "
         "Speed test shows 2 Mbit/s there, 90 elsewhere."),
        ("Please cancel the extra licence", "We ordered one licence too many last month; please cancel it "
         "and credit the next invoice."),
        ("Laptop screen flickers", "The screen of my laptop flickers when it is on battery. Screenshot attached."),
    ],
    "ru": [
        ("Не работает 1С после обновления", "После вчерашнего обновления 1С не запускается у бухгалтерии: "
         "пишет «ошибка лицензии». Помогите, пожалуйста, сегодня сдаём отчёт."),
        ("Счёт за октябрь", "Пришлите, пожалуйста, счёт за октябрь ещё раз: в прошлом письме было пустое вложение."),
        ("Не печатает принтер в бухгалтерии", "Принтер Kyocera в бухгалтерии не печатает, горит оранжевая лампочка."),
        ("Новый сотрудник", "С понедельника выходит новый менеджер, Сергей Лебедев. Нужна почта и доступ к CRM."),
        ("Медленно работает сервер", "С утра всё очень медленно открывается с сервера, особенно папка «Договоры»."),
        ("Вопрос по договору", "Сколько часов поддержки осталось у нас в этом месяце по договору?"),
        ("Не приходит почта", "Со вчерашнего вечера не приходят письма с адресов mail.ru. Отправка работает."),
        ("Сломалась клавиатура", "На ресепшене сломалась клавиатура, можно заменить? Спасибо."),
    ],
}
REPLIES = {
    "en": ["Any news on this? It is still happening.", "Thanks, that helped! One more thing: it happens on "
           "my phone too.", "Just to add: it started after the Windows update on Tuesday."],
    "ru": ["Есть новости? Проблема всё ещё есть.", "Спасибо, заработало! Но у коллеги то же самое.",
           "Дополню: началось после вчерашнего отключения света."],
}
ATTACHED = {3: (0, 5), 17: (5, 11)}  # burst index: (customer, English topic with a file)


def compose(sender: tuple[str, str], subject: str, text: str, *, answers: EmailMessage | None = None,
            attachment: tuple[str, str, bytes] | None = None) -> bytes:
    """One mail to the desk; `answers`: the mail it replies to (In-Reply-To, References)."""
    message = EmailMessage()
    message["From"] = formataddr(sender)
    message["To"] = formataddr((SUPPORT_NAME, SUPPORT_ADDRESS))
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender[1].rpartition("@")[2])
    if answers is not None and answers.get("Message-ID"):
        parent = answers
        message["In-Reply-To"] = parent["Message-ID"]
        message["References"] = " ".join(filter(None, [parent.get("References"), parent["Message-ID"]]))
    message.set_content(text)
    if attachment is not None:
        name, kind, data = attachment
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def burst(count: int = 50, seed: int | None = None) -> tuple[list[bytes], list[bytes]]:
    """`count` mails: the new ones, and then the replies to some of them (which arrive after)."""
    rng = random.Random(seed)
    mails: list[bytes] = []
    replies: list[bytes] = []
    firsts: list[tuple[EmailMessage, tuple[str, str], str, str]] = []  # the mail, sender, subject, language
    for index in range(count):
        if firsts and index % 7 == 6:  # some answer their own earlier mail
            first, sender, subject, language = rng.choice(firsts)
            replies.append(compose(sender, "Re: " + subject, rng.choice(REPLIES[language]), answers=first))
            continue
        name, address, language = rng.choice(CUSTOMERS)
        subject, text = rng.choice(TOPICS[language])
        if index in ATTACHED:  # at least these two carry a file
            name, address, language = CUSTOMERS[ATTACHED[index][0]]
            subject, text = TOPICS["en"][ATTACHED[index][1]]
        attachment = None
        if "Log attached" in text:
            attachment = ("backup.log", "text/plain", b"02:00 start\n02:41 ERROR: disk full on /backup\n02:41 FAILED\n")
        elif "Screenshot attached" in text:
            attachment = ("screen.png", "image/png", PIXEL)
        signature = f"\n\n{name}" if language == "en" else f"\n\nС уважением,\n{name}"
        raw = compose((name, address), subject, text + signature, attachment=attachment)
        firsts.append((message_from_bytes(raw, policy=default), (name, address), subject, language))
        mails.append(raw)
    return mails, replies
