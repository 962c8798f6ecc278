"""The request form's rules without a network: what a request needs, the mail it becomes, the limit."""
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from deskbot.dispatch.config import Config
from deskbot.dispatch.web_form import FormRequest, Upload, as_mail, problems
from deskbot.mailbox.parse import parse_batch
from deskbot.mailbox.inbound import ParseOptions

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _config(**web) -> Config:
    return Config.model_validate({
        "mailbox": {"host": "imap.test", "username": "support@desk.example"},
        "departments": [{"key": "support", "name": "Support"}],
        "web": {"request_types": [{"key": "access", "label": {"en": "Access"}, "required": ["subject", "attachment"],
                                   "department": "support"}], **web}})


def test_a_request_type_names_a_known_department_and_an_english_label():
    with pytest.raises(ValidationError, match="unknown department 'nope'"):
        _config(request_types=[{"key": "a", "label": {"en": "A"}, "department": "nope"}])
    with pytest.raises(ValidationError, match="label needs at least en"):
        _config(request_types=[{"key": "a", "label": {"ru": "А"}}])
    with pytest.raises(ValidationError, match="twice"):
        _config(request_types=[{"key": "a", "label": {"en": "A"}}, {"key": "a", "label": {"en": "B"}}])
    with pytest.raises(ValidationError):
        _config(form="sometimes")
    assert _config().web.request_types[0].name("ru") == "Access"


def test_what_a_request_needs():
    config = _config(form_max_text=100, form_max_upload="1KB")
    fine = FormRequest("", "kim@acme.example", "access", "Log-in", "I cannot log in", [Upload("a.png", "image/png", b"x")])
    assert problems(fine, config) == []
    bare = FormRequest("", "kim@", "", "", " ")
    assert problems(bare, config) == ["web-form-need-type", "web-form-need-email", "web-form-need-text"]
    needy = FormRequest("", "kim@acme.example", "access", "", "t" * 101, [Upload("a", "", b"x" * 2000)])
    assert problems(needy, config) == ["web-form-need-subject", "web-form-text-too-long", "web-form-files-too-big"]


def test_the_mail_carries_the_request_and_no_header_injection(tmp_path):
    request = FormRequest("Kim\r\nBcc: victim@x.example", "kim@acme.example", "access", "Help\nX-Evil: 1",
                          "Line one\r\nLine two", [Upload("../../etc/passwd", "text/plain", b"root")])
    raw = as_mail(request, _config(), NOW)
    [mail] = parse_batch([raw], ParseOptions(attachments_dir=str(tmp_path), max_attachment_size=10**6))
    assert mail.sender.email == "kim@acme.example" and mail.subject == "Help X-Evil: 1"
    assert b"\nBcc:" not in raw and b"\nX-Evil" not in raw
    assert b"X-Deskbot-Form: web" in raw and b"X-Deskbot-Request-Type: access" in raw
    assert "Line two" in mail.text and [a.size for a in mail.attachments] == [4]


