"""The routing rules' engine (dispatch/routing.py): plain facts in, the rules that fire and why out."""
from datetime import timedelta

import pytest

from deskbot.dispatch.config_rules import Rule
from deskbot.dispatch.routing import Facts, Reason, Rulebook


def book(*rules: dict, modes: dict | None = None) -> Rulebook:
    return Rulebook.compile([Rule.model_validate({"tags": ["x"], **r}) for r in rules], modes)


def fired(rulebook: Rulebook, **facts) -> list[str]:
    return [f.rule for f in rulebook.evaluate(Facts(**{"trigger": "new", **facts}))]


def test_subject_words_are_whole_words_in_any_case():
    rules = book({"name": "printers", "subject": ["printer", "принтер"]})
    assert fired(rules, subject="The PRINTER is jammed") == ["printers"]
    assert fired(rules, subject="Не печатает Принтер!") == ["printers"]
    assert fired(rules, subject="printers everywhere") == []  # a word, not a prefix
    assert fired(rules, subject="", text="printer") == []  # the subject only


def test_phrases_match_consecutive_words():
    rules = book({"name": "down", "text": ["не работает", "out of order"]})
    assert fired(rules, text="Сегодня   НЕ\nработает почта") == ["down"]
    assert fired(rules, text="the lift is out of order.") == ["down"]
    assert fired(rules, text="работает не всегда") == []


def test_regexes_are_case_insensitive_and_say_what_matched():
    rules = book({"name": "invoice", "subject_regex": r"invoice\s+#?\d+"},
                 {"name": "счёт", "text_regex": r"сч[её]т\s+№\s*\d+"})
    [hit] = Rulebook.evaluate(rules, Facts("new", subject="Re: INVOICE #42 overdue"))
    assert hit.reasons == (Reason("subject_regex", "INVOICE #42"),)
    assert fired(rules, text="Оплатите СЧЕТ № 17") == ["счёт"]


def test_sender_domain_organization_request_type():
    rules = book({"name": "boss", "from": "Boss@Client.ru"}, {"name": "client", "domain": ["client.ru"]},
                 {"name": "org", "organization": ["client.ru"]}, {"name": "hw", "request_type": ["printer"]},
                 modes={"default": "all"})
    assert fired(rules, sender="boss@client.ru", organization="client.ru") == ["boss", "client", "org"]
    assert fired(rules, sender="anna@client.ru") == ["client"]
    assert fired(rules, sender="x@gmail.com", request_type="printer") == ["hw"]


@pytest.mark.parametrize("condition, fact", [("contract", "contract"), ("attachments", "attachments"),
                                             ("in_hours", "in_hours")])
def test_flags_match_true_and_false(condition, fact):
    rules = book({"name": "yes", condition: True}, {"name": "no", condition: False, "set": "other"})
    assert fired(rules, **{fact: True}) == ["yes"]
    assert fired(rules, **{fact: False}) == ["no"]


def test_every_condition_must_hold_and_each_gives_its_reason():
    rules = book({"name": "vip printer", "domain": "client.ru", "contract": True, "subject": ["printer"],
                  "text_regex": "room \\d+", "attachments": False})
    facts = Facts("new", sender="a@client.ru", contract=True, subject="printer", text="in room 12")
    [hit] = rules.evaluate(facts)
    assert set(hit.reasons) == {Reason("domain", "client.ru"), Reason("contract", "yes"),
                                Reason("subject", "printer"), Reason("text_regex", "room 12"),
                                Reason("attachments", "no")}
    assert rules.evaluate(Facts("new", sender="a@client.ru", contract=False, subject="printer",
                                text="in room 12")) == []


def test_first_match_per_set_or_all_matches():
    rules = book({"name": "r1", "subject": ["a"], "set": "routing"}, {"name": "r2", "subject": ["a"], "set": "routing"},
                 {"name": "al1", "subject": ["a"], "set": "alerts"}, {"name": "al2", "subject": ["a"], "set": "alerts"},
                 modes={"alerts": "all"})
    assert fired(rules, subject="a") == ["r1", "al1", "al2"]


def test_rules_are_indexed_by_trigger():
    rules = book({"name": "on new", "subject": ["a"]}, {"name": "on reply", "on": "reply", "subject": ["a"]},
                 {"name": "late", "on": "unassigned", "after": "30m"},
                 {"name": "later", "on": "unassigned", "after": "2h"},
                 {"name": "quiet", "on": "unanswered", "after": "1h"}, {"name": "stuck", "on": "untouched", "after": "1d"},
                 modes={"default": "all"})
    assert fired(rules, subject="a") == ["on new"]
    assert fired(rules, trigger="reply", subject="a") == ["on reply"]
    assert fired(rules, trigger="unassigned") == ["late", "later"]
    assert fired(rules, trigger="unanswered") == ["quiet"]
    assert fired(rules, trigger="untouched") == ["stuck"]
    assert rules.waits("unassigned") == [timedelta(minutes=30), timedelta(hours=2)]
    only_long = rules.evaluate(Facts("unassigned"), only=lambda r: r.rule.after == timedelta(hours=2))
    assert [f.rule for f in only_long] == ["later"]


def test_a_rule_without_conditions_always_fires_and_actions_are_kept():
    rules = book({"name": "all", "department": "support", "assign": "Dana", "priority": "high",
                  "tags": ["Printer"], "notify": ["Ivan", 42], "reply": "ack"})
    [hit] = rules.evaluate(Facts("new"))
    assert hit.reasons == ()
    a = hit.actions
    assert (a.department, a.assign, a.priority, a.tags, a.notify, a.reply) == (
        "support", "Dana", "high", ("printer",), ("Ivan", 42), "ack")


def test_empty_rulebook():
    assert not Rulebook.compile([])
    assert Rulebook.compile([]).evaluate(Facts("new")) == []


def test_looked_up_and_always_tried_rules_keep_config_order():
    """Rules are found by their sender, domain or words (an index), others always tried: first is still first."""
    rules = book({"name": "any regex", "subject_regex": "pr.nt"}, {"name": "by word", "subject": ["printer"]},
                 {"name": "by domain", "domain": "client.ru", "set": "b"}, {"name": "flag", "attachments": True,
                                                                             "set": "b"},
                 {"name": "phrase", "text": ["out of order"], "set": "c"},
                 {"name": "symbols", "text": ["order", "#1"], "set": "d"})
    assert fired(rules, subject="printer", sender="a@client.ru", attachments=True, text="x") == [
        "any regex", "by domain"]
    assert fired(rules, subject="printer", attachments=True, text="order out of") == ["any regex", "flag", "symbols"]
    assert fired(rules, subject="nothing", text="it is OUT of order") == ["phrase", "symbols"]


def test_a_word_without_letters_is_refused():
    with pytest.raises(ValueError, match="without letters or digits"):
        Rule.model_validate({"name": "x", "subject": ["!!!"], "tags": ["x"]})
