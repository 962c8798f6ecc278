"""deploy/deskbot.service passes systemd's own checks, starts the command line that exists, and
deploy/deskbot.env.example sets real config keys."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deskbot.app.cli import parser
from deskbot.dispatch.config import load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "deskbot.service"
SHIPPED_DESKBOT = "/opt/deskbot/.venv/bin/deskbot"
needs_systemd = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                   reason="systemd-analyze is not installed (Debian: package systemd)")


def _rendered(tmp_path: Path) -> Path:
    """The unit with this checkout's deskbot in ExecStart: verify wants the program to exist."""
    text = UNIT.read_text()
    assert SHIPPED_DESKBOT in text
    unit = tmp_path / "deskbot.service"
    unit.write_text(text.replace(SHIPPED_DESKBOT, str(Path(sys.executable).parent / "deskbot")))
    return unit


@needs_systemd
def test_the_unit_verifies(tmp_path):
    unit = _rendered(tmp_path)
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    # verify exits 0 on an unknown key or a bad value too, and only says so: any word about the unit fails.
    about = [line for line in (done.stdout + done.stderr).splitlines() if "deskbot.service" in line]
    assert done.returncode == 0 and not about, done.stdout + done.stderr


@needs_systemd
def test_the_unit_is_sandboxed(tmp_path):
    unit = _rendered(tmp_path)
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(unit)], capture_output=True,
                          text=True, timeout=60)
    if "--offline" in done.stderr:
        pytest.skip("this systemd-analyze has no --offline (systemd 252 or later)")
    exposure = re.search(r"Overall exposure level for deskbot\.service: ([\d.]+)", done.stdout)
    assert exposure is not None, done.stdout + done.stderr
    assert float(exposure.group(1)) <= 2.0, done.stdout  # systemd's scale: 0 sealed .. 10 exposed; "OK" up to 4
    for setting in ("NoNewPrivileges=", "ProtectSystem=", "ProtectHome=", "PrivateTmp=", "CapabilityBoundingSet="):
        assert re.search(rf"^✓ {setting}", done.stdout, re.MULTILINE), f"{setting} not in force"


def test_the_unit_starts_deskbot_run_with_the_config_beside_its_secrets():
    settings = dict(line.split("=", 1) for line in UNIT.read_text().splitlines() if re.match(r"^\w+=", line))
    program, *argv = shlex.split(settings["ExecStart"])
    args = parser().parse_args(argv)
    assert program == SHIPPED_DESKBOT and args.command == "run"
    assert Path(args.config).parent == Path(settings["EnvironmentFile"]).parent == Path("/etc/deskbot")


def test_every_variable_of_the_env_example_sets_its_config_key(tmp_path):
    lines = [line.lstrip("# ") for line in (DEPLOY / "deskbot.env.example").read_text().splitlines()]
    environ = dict(line.split("=", 1) for line in lines if re.match(r"^DESKBOT_\w+=", line))
    assert {"DESKBOT_TELEGRAM_TOKEN", "DESKBOT_MAILBOX_PASSWORD", "DESKBOT_SMTP_PASSWORD"} <= environ.keys()
    path = tmp_path / "config.toml"
    path.write_text('[mailbox]\nmode = "pipe"\n')
    config = load_config(path, environ=environ)
    for name, value in environ.items():
        section, key = _config_key(config, name)
        got = getattr(getattr(config, section), key)
        assert getattr(got, "get_secret_value", lambda: got)() == value, name


def _config_key(config, name: str) -> tuple[str, str]:
    for section in type(config).model_fields:
        fields = getattr(type(getattr(config, section)), "model_fields", {})
        for key in fields:
            if f"DESKBOT_{section}_{key}".upper() == name:
                return section, key
    raise AssertionError(f"{name} is no config key")
