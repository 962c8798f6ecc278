"""The import contracts ([tool.importlinter] in pyproject.toml) hold, and a wrong arrow breaks them.

import-linter runs on a copy of the tree laid out as the installed package (deskbot/app,
deskbot/bot, ...): grimp cannot walk the editable install's namespace, nor mailbox/, which
has no __init__.py in the checkout (README, "Layout"); the copy gives both one.
"""
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FLOORS = ("app", "bot", "catalog", "demo", "dispatch", "mailbox", "storage", "telemetry", "web")


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    for floor in FLOORS:
        shutil.copytree(REPO / floor, root / "deskbot" / floor, ignore=shutil.ignore_patterns("__pycache__"))
    for package in (root / "deskbot", root / "deskbot" / "mailbox"):
        (package / "__init__.py").touch()
    return root


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    # -S: the editable install of the checkout stays out of sight; the copy is `deskbot`.
    code = (
        f"import sys; sys.path[:0] = [{str(root)!r}]; sys.path.append({sysconfig.get_paths()['purelib']!r});"
        "from importlinter.cli import lint_imports;"
        f"sys.exit(lint_imports(config_filename={str(REPO / 'pyproject.toml')!r}, no_cache=True, no_logo=True))"
    )
    return subprocess.run([sys.executable, "-S", "-c", code], cwd=root, capture_output=True, text=True)


def test_the_floors_hold(tmp_path):
    done = lint_imports(tree(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "wrong"), [
    ("storage/models.py", "from deskbot.dispatch import rules"),  # a floor below imports one above
    ("mailbox/poller.py", "from deskbot.dispatch.background import Sweep"),
    ("dispatch/reports.py", "from deskbot.bot.render.texts import Texts"),
    ("catalog/words.py", "import deskbot.mailbox.inbound"),
    ("bot/app.py", "from deskbot.app.schedule import ANNOUNCE_EVERY"),
    ("bot/render/texts.py", "from deskbot.demo.botapi import FakeTelegram"),  # the demo is a top floor
    ("mailbox/smtp.py", "from deskbot.storage.models import OutboxMessage"),  # side by side, never each other
    ("storage/queries.py", "from deskbot.mailbox.inbound import InboundMail"),
    ("dispatch/intake.py", "from deskbot.storage.models import Ticket"),  # a rule touches the database
    ("dispatch/hours.py", "import sqlalchemy"),
    ("web/app.py", "from deskbot.bot.render.texts import Texts"),  # the two faces stand side by side
    ("bot/app.py", "from deskbot.web.pages import render"),
    ("dispatch/visibility.py", "from deskbot.web.guards import Person"),
    ("telemetry/metrics.py", "from deskbot.storage.models import Ticket"),  # the bottom floor imports nothing of ours
    ("telemetry/context.py", "from deskbot.catalog.words import Safe"),  # nor the catalog beside it
])
def test_a_wrong_arrow_fails(tmp_path, module, wrong):
    root = tree(tmp_path)
    path = root / "deskbot" / module
    path.write_text(path.read_text() + f"\n{wrong}  # the wrong arrow\n")
    done = lint_imports(root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 kept, 1 broken" in done.stdout
    name = "deskbot." + module.removesuffix(".py").replace("/", ".")
    assert name in done.stdout
