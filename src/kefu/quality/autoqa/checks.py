"""The checks, one function each, over a conversation read once (`Reading`). Pure: no Django.

Every check yields findings that point at an existing message; none looks at another check's
findings, so each can be tested alone (tests/test_autoqa_core.py). Check ids are stable: they
are stored, shown and documented (docs/quality-autoqa.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kefu.desk.redaction import RedactionPolicy, Rule, redact
from kefu.quality.autoqa.lexicon import client_automaton, shipped
from kefu.quality.autoqa.model import Conversation, Finding, Message, SentimentPoint, Severity
from kefu.quality.autoqa.text import Cleaned, Match, clean, clean_pattern

CHECKS = (
    "greeting_missing", "greeting_no_shop_name", "greeting_no_agent_name", "closing_missing",
    "slow_first_response", "slow_response", "forbidden_word", "forbidden_promise", "pii_exposed",
    "negative_sentiment", "empathy_missing", "politeness_missing", "question_unanswered",
)  # fmt: skip

NEGATIVE_AT, POSITIVE_AT = -1.0, 1.0


@dataclass(slots=True)
class Read:
    """One message, cleaned and scanned once for every check."""

    index: int
    message: Message
    cleaned: Cleaned
    markers: frozenset[str]


def read(conversation: Conversation) -> list[Read]:
    automata = shipped()
    reads = []
    for index, message in enumerate(conversation.messages):
        cleaned = clean(message.text)
        found = automata.markers.find_all(cleaned.text)
        markers = frozenset(m.payload[0] for m in found)  # type: ignore[index]
        reads.append(Read(index, message, cleaned, markers))
    return reads


def _finding(
    check: str, severity: Severity, r: Read, span: tuple[int, int] = (0, 0), **params: str | int
) -> Finding:
    start, end = span
    return Finding(
        check=check,
        severity=severity,
        message_index=r.index,
        start=start,
        end=end,
        evidence=r.message.text[start:end],
        params=tuple(sorted(params.items())),
    )


def _agents(reads: list[Read]) -> list[Read]:
    return [r for r in reads if r.message.by_agent]


# --- greeting and closing (seed 001) ---------------------------------------------------------
def _mentions(r: Read, names: tuple[str, ...]) -> bool:
    return any(name and clean_pattern(name) in r.cleaned.text for name in names)


def greeting(conversation: Conversation, reads: list[Read]) -> Iterator[Finding]:
    agents = _agents(reads)
    if not agents:
        return
    first = agents[0]
    template = conversation.rules.greeting_template
    if "greeting" not in first.markers:
        yield _finding("greeting_missing", Severity.MAJOR, first)
        return
    shop_names = (conversation.shop_name, *conversation.rules.shop_aliases)
    if "{shop}" in template and conversation.shop_name and not _mentions(first, shop_names):
        yield _finding("greeting_no_shop_name", Severity.MINOR, first, shop=conversation.shop_name)
    if "{agent}" in template and conversation.agent_name and not _mentions(first, (conversation.agent_name,)):
        yield _finding("greeting_no_agent_name", Severity.MINOR, first, agent=conversation.agent_name)


def closing(conversation: Conversation, reads: list[Read]) -> Iterator[Finding]:
    agents = _agents(reads)
    if not agents:
        return
    last = agents[-1]
    extra = conversation.rules.closing_phrases
    if "closing" not in last.markers and not _mentions(last, extra):
        yield _finding("closing_missing", Severity.MINOR, last)


# --- response times against the SLA ----------------------------------------------------------
def response_times(conversation: Conversation, reads: list[Read]) -> Iterator[Finding]:
    """First response: the customer's first message to the first agent reply (a bot's auto-reply
    stops no clock). Next responses: each customer message that follows an agent's reply, to the
    agent's next reply."""
    sla = conversation.sla
    waiting_since = None
    answered_once = False
    for r in reads:
        m = r.message
        if m.by_customer and waiting_since is None:
            waiting_since = m.at
        elif m.by_agent and waiting_since is not None:
            waited = int((m.at - waiting_since).total_seconds())
            target = sla.next_response_s if answered_once else sla.first_response_s
            check = "slow_response" if answered_once else "slow_first_response"
            if target is not None and waited > target:
                yield _finding(check, Severity.MAJOR, r, waited_s=waited, target_s=target)
            waiting_since = None
            answered_once = True
        elif m.by_agent:
            answered_once = True


# --- forbidden words and promises -------------------------------------------------------------
def _severity(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return Severity.MAJOR


def forbidden(conversation: Conversation, reads: list[Read]) -> Iterator[Finding]:
    common = shipped().forbidden
    rules = conversation.rules
    own = client_automaton(rules.forbidden_words, rules.forbidden_promises)
    for r in _agents(reads):
        mine = own.find_longest(r.cleaned.text)
        found: list[tuple[str, Match]] = [("client", m) for m in mine]
        found += [
            ("shipped", m)
            for m in common.find_longest(r.cleaned.text)
            if not any(m.start < o.end and o.start < m.end for o in mine)
        ]
        for source, m in sorted(found, key=lambda pair: pair[1].start):
            check, value = m.payload  # type: ignore[misc]
            yield _finding(check, _severity(value), r, r.cleaned.span(m.start, m.end), source=source)


# --- masked data typed out in full ------------------------------------------------------------
_PII_POLICY = RedactionPolicy(
    rules=frozenset({Rule.MOBILE, Rule.ID_CARD, Rule.ID_CARD_15, Rule.CARD, Rule.BANK_ACCOUNT})
)
_PII_KIND = {
    Rule.MOBILE: "phone", Rule.ID_CARD: "id_card", Rule.ID_CARD_15: "id_card", Rule.CARD: "card",
    Rule.BANK_ACCOUNT: "card", "mobile": "phone", "id_card": "id_card", "id_card_15": "id_card",
    "card": "card", "bank_account": "card", "phone": "phone", "account": "card",
}  # fmt: skip
_CJK = "\u4e00-\u9fff"
# A full street address: a province/city/district part, a road and a house number.
_ADDRESS = re.compile(
    rf"(?:[{_CJK}]{{1,8}}(?:省|市|区|县|自治州|镇)){{1,4}}[{_CJK}A-Za-z0-9]{{0,15}}?"
    rf"(?:路|街|大道|巷|弄|道)[0-9０-９]+号(?:[0-9０-９]+(?:栋|幢|号楼|单元|室|楼|层))*"
)
_ADDRESS_LABEL = re.compile(r"(?:收货|寄件|收件|送货|配送)?地址(?:是|为)?")
# What the desk leaves when it redacted a number on storage: "[phone:****1234]", "[id_card]".
_TOKEN = re.compile(r"\[(phone|id_card|card|account)(?::[^\]]*)?\]")


def pii(conversation: Conversation, reads: list[Read]) -> Iterator[Finding]:
    """An agent wrote out a whole phone or ID number or a full address. Stored messages were
    redacted already: the rule names on the message tell what the agent had typed."""
    for r in _agents(reads):
        text = r.message.text
        spans: list[tuple[int, int, str]] = [
            (f.span[0], f.span[1], _PII_KIND[f.rule]) for f in redact(text, _PII_POLICY).findings
        ]
        for m in _ADDRESS.finditer(text):
            label = _ADDRESS_LABEL.match(text, m.start(), m.end())
            spans.append((label.end() if label else m.start(), m.end(), "address"))
        if r.message.redacted:
            tokens = list(_TOKEN.finditer(text))
            for name in r.message.redacted:
                kind = _PII_KIND.get(name)
                if kind is None:
                    continue
                token = next((t for t in tokens if _PII_KIND.get(t.group(1), "card") == kind), None)
                spans.append((token.start(), token.end(), kind) if token else (0, 0, kind))
        seen: set[tuple[int, int]] = set()
        for start, end, kind in sorted(spans):
            if (start, end) in seen:
                continue
            seen.add((start, end))
            yield _finding("pii_exposed", Severity.CRITICAL, r, (start, end), kind=kind)


# --- the customer's sentiment -----------------------------------------------------------------
def sentiment_score(r: Read) -> float:
    matches = shipped().sentiment.find_longest(r.cleaned.text)
    return round(sum(float(m.payload[1]) for m in matches), 2)  # type: ignore[index]


def label(score: float) -> str:
    if score <= NEGATIVE_AT:
        return "negative"
    if score >= POSITIVE_AT:
        return "positive"
    return "neutral"


def trajectory(reads: list[Read]) -> list[SentimentPoint]:
    points = []
    for r in reads:
        if r.message.by_customer:
            score = sentiment_score(r)
            points.append(SentimentPoint(r.index, label(score), score))
    return points


def sentiment(points: list[SentimentPoint], reads: list[Read]) -> Iterator[Finding]:
    """The customer left unhappy: their last message reads negative."""
    if points and points[-1].label == "negative":
        last = points[-1]
        yield _finding("negative_sentiment", Severity.MAJOR, reads[last.message_index], score=str(last.score))


def empathy(points: list[SentimentPoint], reads: list[Read]) -> Iterator[Finding]:
    """After a negative customer message, the agent's next reply shows no empathy."""
    for point in points:
        if point.label != "negative":
            continue
        reply = next((r for r in reads[point.message_index + 1 :] if r.message.by_agent), None)
        if reply is not None and "empathy" not in reply.markers:
            yield _finding("empathy_missing", Severity.MINOR, reply, customer_message=point.message_index)


def politeness(conversation: Conversation, reads: list[Read]) -> Iterator[Finding]:
    agents = _agents(reads)
    if agents and not any("politeness" in r.markers for r in agents):
        yield _finding("politeness_missing", Severity.MINOR, agents[0])


# --- questions left unanswered ----------------------------------------------------------------
def is_question(r: Read) -> bool:
    text = r.cleaned.text
    if "?" in text:
        return True
    return "question" in r.markers and "not_question" not in r.markers


def unanswered(conversation: Conversation, reads: list[Read]) -> Iterator[Finding]:
    """A customer's question after which nobody (agent or bot) wrote to the customer."""
    last_answer = max((r.index for r in reads if r.message.answers), default=-1)
    for r in reads:
        if r.index > last_answer and r.message.by_customer and is_question(r):
            yield _finding("question_unanswered", Severity.MAJOR, r)
