"""`deskbot rules`: the routing rules as the config has them; `deskbot rules test FILE.eml`: which would
fire on that mail and why (parsed as the intake parses it; nothing is written)."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from deskbot.dispatch.config import Config

CONDITIONS = ("sender", "domain", "organization", "contract", "subject", "subject_regex", "text", "text_regex",
              "request_type", "attachments", "in_hours")
ACTIONS = ("department", "assign", "pool", "priority", "tags", "notify", "reply")


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    listing = commands.add_parser("rules", parents=[common], help="the routing rules; `rules test FILE.eml`: which fire")
    actions = listing.add_subparsers(dest="rules_action", metavar="ACTION")
    trial = actions.add_parser("test", parents=[common], help="which rules a mail would fire, and why (writes nothing)")
    trial.add_argument("file", help="the mail, as an .eml file")
    trial.add_argument("--web", action="store_true",
                       help="as written on the web form (its X-Deskbot-Request-Type header counts)")


def listing(config: Config, texts) -> list[str]:
    if not config.rules:
        return [texts.plain("rules-none")]
    lines: list[str] = []
    for set_name in dict.fromkeys(rule.set for rule in config.rules):
        mode = config.rule_sets.get(set_name, "first")
        lines.append(texts.plain(f"rules-set-{mode}", set=set_name))
        for number, rule in enumerate(config.rules, start=1):
            if rule.set != set_name:
                continue
            after = texts.plain("rules-after", after=_toml(rule.model_dump()["after"], "after")) if rule.after else ""
            lines.append(texts.plain("rules-rule", number=number, rule=rule.name, trigger=rule.on, after=after))
            conditions = _pairs(rule, CONDITIONS)
            lines.append(texts.plain("rules-if", conditions=conditions) if conditions else texts.plain("rules-if-always"))
            lines.append(texts.plain("rules-then", actions=_pairs(rule, ACTIONS)))
    return lines


def _pairs(rule, keys) -> str:
    """`key = value` as the config writes it: exact, and the same words as config.example.toml."""
    values = rule.model_dump()
    shown = []
    for key in keys:
        value = values[key]
        if value in ("", None, []):
            continue
        shown.append(f"{'from' if key == 'sender' else key} = {_toml(value, key)}")
    return "; ".join(shown)


def _toml(value, key: str) -> str:
    if key == "after":
        minutes = int(value.total_seconds() // 60)
        return f'"{minutes // 60}h{minutes % 60}m"' if minutes >= 60 else f'"{minutes}m"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


async def run(args: argparse.Namespace, config: Config, texts, sessions) -> int:
    if getattr(args, "rules_action", None) != "test":
        print("\n".join(listing(config, texts)))
        return 0
    return await trial(args.file, args.web, config, texts, sessions)


async def trial(path: str, web: bool, config: Config, texts, sessions) -> int:
    from email.parser import BytesHeaderParser

    from deskbot.bot.render.rules import why_plain
    from deskbot.dispatch.clock import SystemClock
    from deskbot.dispatch.rule_trial import try_mail
    from deskbot.dispatch.web_form import TYPE_HEADER
    from deskbot.mailbox.inbound import ParseOptions
    from deskbot.mailbox.parse import parse_batch

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        print(f"deskbot: {path}: {exc.strerror}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as scratch:  # attachments are saved by the parser: not where the desk keeps them
        [mail] = parse_batch([raw], ParseOptions(attachments_dir=scratch,
                                                 max_attachment_size=config.mailbox.max_attachment_size))
    kind = BytesHeaderParser().parsebytes(raw).get(TYPE_HEADER) if web else None
    now = SystemClock().now()
    if sessions is None:
        found = await try_mail(None, config, mail, now, (str(kind).strip().lower() or None) if kind else None)
    else:
        async with sessions() as session:
            found = await try_mail(session, config, mail, now, (str(kind).strip().lower() or None) if kind else None)
    if found.facts is None:
        print(texts.plain("rules-test-not-ticket", outcome=found.outcome.value))
        return 0
    facts = found.facts
    key = "rules-test-new" if facts.trigger == "new" else "rules-test-reply"
    print(texts.plain(key, sender=facts.sender, subject=facts.subject, number=found.ticket or 0))
    print(texts.plain("rules-test-open" if facts.in_hours else "rules-test-closed"))
    for hit in found.fired:
        print(texts.plain("rules-test-fires", rule=hit.rule, set=hit.set,
                          why=why_plain(texts, [(r.condition, r.value) for r in hit.reasons])))
        rule = next(r for r in config.rules if r.name == hit.rule)
        print(texts.plain("rules-test-then", actions=_pairs(rule, ACTIONS)))
    if not found.fired:
        print(texts.plain("rules-test-none"))
    return 0
