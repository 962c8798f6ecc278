"""Migration 0008 reads old quarantined mail's From and Subject with the standard library: as people read them."""
import pytest

from deskbot.storage.migrations.header_0008 import header_summary


@pytest.mark.parametrize("head, expected", [
    (b"From: Anna Petrova <anna@client.test>\r\nSubject: Help <me>\r\n\r\n",
     ("Anna Petrova <anna@client.test>", "Help <me>")),
    (b"From: =?utf-8?B?0JDQvdC90LA=?= <anna@client.test>\r\nSubject: =?utf-8?Q?=D0=9F=D1=80=D0=B8=D0=BD?=\r\n"
     b" =?utf-8?Q?=D1=82=D0=B5=D1=80?=\r\n\r\n", ("\u0410\u043d\u043d\u0430 <anna@client.test>",
                                                 "\u041f\u0440\u0438\u043d\u0442\u0435\u0440")),
    (b"From: =?koi8-r?B?4c7OwQ==?= <a@b.test>\r\n\r\n", ("\u0410\u043d\u043d\u0430 <a@b.test>", "")),
    (b"Subject: =?x-unknown?Q?abc?=\r\n\r\n", ("", "=?x-unknown?Q?abc?=")),  # kept as written, never a crash
    (b"", ("", "")),
])
def test_old_headers_read_as_people_read_them(head, expected):
    assert header_summary(head) == expected
