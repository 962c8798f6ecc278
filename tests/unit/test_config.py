from datetime import timedelta
from pathlib import Path

import pytest

from deskbot.dispatch.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]
MINIMAL = '[mailbox]\nhost = "imap.test"\nusername = "support@desk.test"\n'


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_file_is_valid_once_its_mailbox_is_set():
    config = load_config(REPO / "config.example.toml", environ={"DESKBOT_MAILBOX_HOST": "imap.desk.test"})
    assert config.dispatch.nag_every == timedelta(minutes=5)
    assert config.mailbox.poll_every == timedelta(minutes=1)
    assert "gmail.com" in config.mailbox.free_mail_domains
    assert config.staff[0].roles == ["dispatcher", "specialist"]


def test_example_file_as_it_is_refuses_to_start():
    with pytest.raises(ConfigError, match=r"\[mailbox\] host: still the value from config.example.toml"):
        load_config(REPO / "config.example.toml", environ={})


def test_defaults_from_minimal_file(tmp_path):
    config = load_config(write(tmp_path, MINIMAL), environ={})
    assert config.database.url.startswith("sqlite+aiosqlite:")
    assert config.mailbox.port == 993 and config.mailbox.security == "ssl"
    assert config.mailbox.max_attachment_size == 25 * 1024 * 1024


def test_environment_overrides_secrets_and_any_key(tmp_path):
    env = {
        "DESKBOT_MAILBOX_PASSWORD": "s3cret-pass",
        "DESKBOT_TELEGRAM_TOKEN": "123:abc",
        "DESKBOT_MAILBOX_PORT": "143",
        "DESKBOT_DISPATCH_NAG_EVERY": "30s",
        "DESKBOT_MAILBOX_FREE_MAIL_DOMAINS": '["example.org"]',
    }
    config = load_config(write(tmp_path, MINIMAL), environ=env)
    assert config.mailbox.password.get_secret_value() == "s3cret-pass"
    assert config.telegram.token.get_secret_value() == "123:abc"
    assert config.mailbox.port == 143
    assert config.dispatch.nag_every == timedelta(seconds=30)
    assert config.mailbox.free_mail_domains == ["example.org"]


def test_own_addresses_include_mailbox_and_sender(tmp_path):
    text = MINIMAL + '[smtp]\nfrom_address = "Help <Help@Desk.test>"\n'
    config = load_config(write(tmp_path, text), environ={})
    assert config.own_addresses == {"support@desk.test", "help@desk.test"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[mailbox]\nhost = "x"\n', "[mailbox] username: required key is missing"),
        (MINIMAL + "hots = 1\n", "[mailbox] hots: unknown key (see config.example.toml)"),
        (MINIMAL + 'port = "abc"\n', "[mailbox] port: Input should be a valid integer, unable to parse string as an integer (got 'abc')"),
        (MINIMAL + 'poll_every = "soon"\n', "[mailbox] poll_every: not a duration: 'soon' (use e.g. 30s, 5m, 1h30m, 14d) (got 'soon')"),
        (MINIMAL + 'security = "tls"\n', "[mailbox] security: Input should be 'ssl', 'starttls' or 'none' (got 'tls')"),
        (MINIMAL + '[dispatch]\ntimezone = "Mars/Olympus"\n', "[dispatch] timezone: unknown time zone 'Mars/Olympus' (got 'Mars/Olympus')"),
        (MINIMAL + '[[staff]]\nname = "A"\ntelegram_id = 1\nroles = ["boss"]\n', "[[staff]] #1 roles.0: Input should be 'dispatcher', 'specialist' or 'manager' (got 'boss')"),
        ("", "[mailbox]: required key is missing"),
        (MINIMAL + '[logging]\nformat = "yaml"\n', "[logging] format: Input should be 'text' or 'json' (got 'yaml')"),
        (MINIMAL + '[metrics]\nlisten = "9108"\n', "[metrics] listen: listen must be host:port, e.g. 127.0.0.1:9108, or empty for no listener of its own (got '9108')"),
        (MINIMAL + '[metrics]\nallow = ["10.0.0.0/8", "intranet"]\n', "[metrics] allow: 'intranet' is not an IP address or network (\"10.0.0.0/8\")"),
        ('[database]\nurl = "mysql://root:pw@db/x"\n' + MINIMAL, "[database] url: use sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB"),
        (MINIMAL + '[telegram]\nmode = "webhook"\n', "[telegram]: webhook mode needs webhook_url"),
        (MINIMAL + '[telegram]\nmode = "webhook"\nwebhook_url = "https://d.test/t"\nwebhook_secret = "short"\n',
         "[telegram]: webhook mode needs webhook_secret: 16 to 256 of A-Z a-z 0-9 _ -"),
        (MINIMAL + '[telegram]\nfsm = "http://:pw@redis.test/0"\n',
         '[telegram] fsm: fsm must be "" (memory) or a Redis URL: "redis://host:6379/0"'),
        ('[database]\nurl = "nonsense"\n' + MINIMAL, "[database] url: use sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB"),
    ],
)
def test_errors_are_one_line_naming_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value) == f"{path}: {message}"
    assert "\n" not in str(caught.value)


def test_secret_value_never_in_error(tmp_path):
    path = write(tmp_path, MINIMAL + "password = 12345\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert "12345" not in str(caught.value)
    assert "[mailbox] password" in str(caught.value)


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match=r"config file not found"):
        load_config(tmp_path / "nope.toml", environ={})
    with pytest.raises(ConfigError, match=r"config.toml: not valid TOML: .*line 1"):
        load_config(write(tmp_path, "[mailbox\n"), environ={})


def test_autoclose_and_stale_default_on_and_turn_off_with_an_empty_string(tmp_path):
    from datetime import timedelta

    from deskbot.dispatch.config import DispatchConfig

    assert (DispatchConfig().autoclose_after, DispatchConfig().stale_after) == (timedelta(days=3), timedelta(days=1))
    off = DispatchConfig.model_validate({"autoclose_after": "", "stale_after": " "})
    assert (off.autoclose_after, off.stale_after) == (None, None)
    assert DispatchConfig.model_validate({"autoclose_after": "12h"}).autoclose_after == timedelta(hours=12)


def test_the_web_section(tmp_path):
    config = load_config(write(tmp_path, MINIMAL), environ={})
    assert config.web.listen == "" and config.web.url == ""  # off by default
    assert config.web.customer_session == timedelta(days=14) and config.web.staff_session == timedelta(hours=12)
    text = MINIMAL + '[web]\nlisten = "127.0.0.1:8080"\ncustomers = "all"\nstaff_session = "8h"\n'
    secret = "k" * 40
    config = load_config(write(tmp_path, text), environ={"DESKBOT_WEB_SECRET": secret})
    assert config.web.url == "http://127.0.0.1:8080" and not config.web.https
    assert config.web.secret.get_secret_value() == secret and config.web.staff_session == timedelta(hours=8)
    https = load_config(write(tmp_path, text + 'base_url = "https://desk.example/"\n'), environ={})
    assert https.web.url == "https://desk.example" and https.web.https


@pytest.mark.parametrize(("line", "problem"), [
    ('listen = "8080"', r"\[web\] listen: listen must be host:port"),
    ('base_url = "desk.example"', r"\[web\] base_url: base_url must start with https://"),
    ('customers = "some"', r"\[web\] customers: "),
    ('customer_session = "forever"', r"\[web\] customer_session: "),
])
def test_a_wrong_web_value_is_named(tmp_path, line, problem):
    with pytest.raises(ConfigError, match=problem):
        load_config(write(tmp_path, MINIMAL + f"[web]\n{line}\n"), environ={})


def test_a_short_web_secret_is_refused_without_being_echoed(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_config(write(tmp_path, MINIMAL), environ={"DESKBOT_WEB_SECRET": "tooshort-Zx9"})
    assert "[web] secret: secret must be at least 32 characters" in str(refused.value)
    assert "tooshort-Zx9" not in str(refused.value)


def test_example_rules_and_templates(tmp_path):
    config = load_config(REPO / "config.example.toml", environ={"DESKBOT_MAILBOX_HOST": "imap.desk.test"})
    assert config.rule_sets == {"routing": "first", "alerts": "all"}
    assert [(r.name, r.set, r.on) for r in config.rules] == [
        ("Printers to support", "routing", "new"), ("Contract clients after hours", "alerts", "new"),
        ("Nobody took it", "default", "unassigned")]
    assert config.rules[2].after == timedelta(minutes=30)
    assert config.mail_templates[0].words("ru")[1].startswith("Здравствуйте, {name}!")


def test_rule_values_alone_read_as_lists_and_templates_refuse_unknown_placeholders(tmp_path):
    config = load_config(write(tmp_path, MINIMAL + '[[rules]]\nname = "r"\nfrom = "Boss@Client.RU"\ntags = "vip"\n'),
                         environ={})
    assert (config.rules[0].sender, config.rules[0].tags) == (["boss@client.ru"], ["vip"])
    bad = MINIMAL + '[[mail_templates]]\nkey = "ack"\ntext = { en = "Hi {customer}" }\n'
    with pytest.raises(ConfigError, match=r"\[\[mail_templates\]\] #1 text: unknown placeholder \{customer\}"):
        load_config(write(tmp_path, bad), environ={})
    idle = MINIMAL + '[[rules]]\nname = "r"\nsubject = ["x"]\n'
    with pytest.raises(ConfigError, match=r"\[\[rules\]\] #1: the rule does nothing"):
        load_config(write(tmp_path, idle), environ={})


def test_the_fsm_is_in_memory_unless_a_redis_is_named(tmp_path):
    assert load_config(write(tmp_path, MINIMAL), environ={}).telegram.fsm.get_secret_value() == ""
    config = load_config(write(tmp_path, MINIMAL + '[telegram]\nfsm = "redis://:pw@127.0.0.1:6379/2"\n'), environ={})
    assert config.telegram.fsm.get_secret_value() == "redis://:pw@127.0.0.1:6379/2"
    assert "pw" not in repr(config.telegram)
