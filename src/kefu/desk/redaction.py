"""Redaction on ingest: sensitive numbers never reach the database or the agents.

Connectors call :func:`redact` on every inbound message before it is stored, with
the client's :class:`RedactionPolicy`. Detection is deliberately checksum-driven
(Luhn for cards, ISO 7064 MOD 11-2 plus a real birth date for ID cards) so order
numbers and tracking numbers, which agents need, survive. Pure: no Django imports.

Replacements are neutral tokens, e.g. ``[card:****1234]``: the last four digits of a
card, account or phone number stay (customers and agents use "尾号1234" to tell cards
apart); everything else is gone. With ``keep_last4=False`` the token has no digits.
Findings carry the rule and positions, never the original value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "Finding",
    "RedactionPolicy",
    "RedactionResult",
    "Rule",
    "id_card_check_char",
    "is_valid_id_card",
    "luhn_valid",
    "redact",
]


class Rule(StrEnum):
    """Redaction rules, in priority order: an earlier rule wins an overlap."""

    ID_CARD = "id_card"  # 18-char resident ID (GB 11643), check char verified
    ID_CARD_15 = "id_card_15"  # legacy 15-digit ID (no check digit: date-checked only)
    CARD = "card"  # payment card, 13-19 digits, Luhn-valid
    BANK_ACCOUNT = "bank_account"  # 10-25 digits right after 账号/账户/卡号/account
    CVV = "cvv"  # 3-4 digits right after CVV/CVC/安全码
    MOBILE = "mobile"  # mainland mobile, optional +86
    EMAIL = "email"


_PRIORITY = {rule: i for i, rule in enumerate(Rule)}
_TOKENS = {
    Rule.ID_CARD: "[id_card]",
    Rule.ID_CARD_15: "[id_card]",
    Rule.CARD: "[card]",
    Rule.BANK_ACCOUNT: "[account]",
    Rule.CVV: "[cvv]",
    Rule.MOBILE: "[phone]",
    Rule.EMAIL: "[email]",
}
_KEEPS_LAST4 = {Rule.CARD, Rule.BANK_ACCOUNT, Rule.MOBILE}


@dataclass(frozen=True, slots=True)
class RedactionPolicy:
    """Which rules a client turned on. Cards and ID cards are on by default."""

    rules: frozenset[Rule] = frozenset({Rule.CARD, Rule.ID_CARD})
    keep_last4: bool = True

    @classmethod
    def from_names(cls, names: Iterable[str], *, keep_last4: bool = True) -> RedactionPolicy:
        """Build from stored rule names (a client's JSON setting); unknown names raise."""
        return cls(rules=frozenset(Rule(n) for n in names), keep_last4=keep_last4)

    @classmethod
    def all(cls, *, keep_last4: bool = True) -> RedactionPolicy:
        return cls(rules=frozenset(Rule), keep_last4=keep_last4)


@dataclass(frozen=True, slots=True)
class Finding:
    """One redaction: ``span`` in the input text, ``output_span`` in the redacted text."""

    rule: Rule
    span: tuple[int, int]
    output_span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class RedactionResult:
    text: str
    findings: tuple[Finding, ...]

    @property
    def changed(self) -> bool:
        return bool(self.findings)


# --------------------------------------------------------------------------- checks

# Full-width digits are common in Chinese input methods; treat them like ASCII.
_D = "[0-9０-９]"
_SEP = "[ \\-－\u3000]"
_FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


_NOT_DIGIT = re.compile(r"[^0-9Xx]")


def _digits(s: str) -> str:
    return _NOT_DIGIT.sub("", s.translate(_FULLWIDTH))


def luhn_valid(number: str) -> bool:
    """Luhn (mod 10) check of a digit string, as printed on every payment card."""
    if not number.isdigit() or not number.isascii():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        n = ord(ch) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_card_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of an 18-char resident ID ("0"-"9" or "X")."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError("need 17 ASCII digits")
    s = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[s % 11]


def _valid_birth(y: int, m: int, d: int) -> bool:
    if not 1900 <= y <= 2099:
        return False
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def is_valid_id_card(value: str) -> bool:
    """18 chars (17 digits + check char), real birth date, first digit not 0."""
    v = _digits(value).upper()
    if len(v) == 18 and v[:17].isdigit() and v[0] != "0":
        return (
            _valid_birth(int(v[6:10]), int(v[10:12]), int(v[12:14])) and id_card_check_char(v[:17]) == v[17]
        )
    if len(v) == 15 and v.isdigit() and v[0] != "0":
        return _valid_birth(1900 + int(v[6:8]), int(v[8:10]), int(v[10:12]))
    return False


# --------------------------------------------------------------------------- detectors

_Match = tuple[int, int, str]  # start, end, digits kept for the token (may be "")


# Patterns are compiled once: ingest redacts every customer message on the hot path.
_ID18 = re.compile(
    rf"(?<![0-9０-９A-Za-z])({_D}{{6}}) ?({_D}{{8}}) ?({_D}{{3}}[0-9０-９XxＸｘ])(?![0-9０-９A-Za-z])"
)
_ID15 = re.compile(rf"(?<![0-9０-９A-Za-z]){_D}{{15}}(?![0-9０-９A-Za-z])")


def _find_id18(text: str) -> Iterator[_Match]:
    for m in _ID18.finditer(text):
        v = _digits(m.group(0)).upper()
        if len(v) == 18 and is_valid_id_card(v):
            yield m.start(), m.end(), ""


def _find_id15(text: str) -> Iterator[_Match]:
    for m in _ID15.finditer(text):
        if is_valid_id_card(m.group(0)):
            yield m.start(), m.end(), ""


# Digit groups joined by single separators; a card is a run of whole groups.
_GROUPS = re.compile(rf"(?<![0-9０-９]){_D}+(?:{_SEP}{_D}+)*(?![0-9０-９])")
_GROUP = re.compile(f"{_D}+")


def _find_cards(text: str) -> Iterator[_Match]:
    """Luhn-valid 13-19 digit runs made of whole digit groups ("4111 1111 1111 1111").

    Within a run of groups ("订单 12345 4111 1111 1111 1111"), every window of
    consecutive groups is tried; in a window of several groups every group but the
    last has 3-6 digits and the last at most 6, as cards are printed (4-4-4-4, 4-6-5,
    4-4-4-4-3), so dates such as 2025-10-01 do not join a number. Overlapping valid
    windows are redacted as one span: leaving a neighbour's digits could rebuild the
    card next to its last four.
    """
    for run in _GROUPS.finditer(text):
        groups = [(g.start() + run.start(), g.end() + run.start()) for g in _GROUP.finditer(run.group(0))]
        sizes = [b - a for a, b in groups]
        hits: list[tuple[int, int]] = []  # group index ranges, inclusive
        for i in range(len(groups)):
            n = 0
            for j in range(i, len(groups)):
                if j > i and not (3 <= sizes[j - 1] <= 6 and sizes[j] <= 6):
                    break
                n += sizes[j]
                if n > 19:
                    break
                if n >= 13 and luhn_valid(_digits(text[groups[i][0] : groups[j][1]])):
                    hits.append((i, j))
        merged: list[list[int]] = []
        for i, j in hits:  # sorted by i already
            if merged and i <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], j)
            else:
                merged.append([i, j])
        for i, j in merged:
            start, end = groups[i][0], groups[j][1]
            yield start, end, _digits(text[start:end])[-4:]


_ACCOUNT_KEY = r"(?:银行账号|银行账户|账号|帐号|账户|帐户|卡号|account(?:\s*(?:no\.?|number))?|acct\.?)"


_ACCOUNT = re.compile(
    rf"(?i){_ACCOUNT_KEY}\s*(?:是|为)?\s*[:：#]?\s*({_D}(?:{_SEP}?{_D}){{9,24}})(?![0-9０-９])"
)


def _find_accounts(text: str) -> Iterator[_Match]:
    for m in _ACCOUNT.finditer(text):
        yield m.start(1), m.end(1), _digits(m.group(1))[-4:]


_CVV_KEY = r"(?:cvv2?|cvc2?|cvn2?|安全码|安全碼|卡背面?(?:后|後)?三位(?:数|數)?|背面三位(?:数|數)?)"
_CVV = re.compile(rf"(?i){_CVV_KEY}\s*(?:是|为)?\s*[:：]?\s*({_D}{{3,4}})(?![0-9０-９])")


def _find_cvv(text: str) -> Iterator[_Match]:
    for m in _CVV.finditer(text):
        yield m.start(1), m.end(1), ""


_MOBILE = re.compile(
    rf"(?<![0-9０-９+＋])(?:(?:\+|＋|00)?86{_SEP}?)?"
    rf"(1[3-9]{_D}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}}|1[3-9]{_D}{{9}})(?![0-9０-９])"
)


def _find_mobiles(text: str) -> Iterator[_Match]:
    for m in _MOBILE.finditer(text):
        digits = _digits(m.group(1))
        if len(digits) == 11:
            yield m.start(), m.end(), digits[-4:]


_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)


def _find_emails(text: str) -> Iterator[_Match]:
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end(), ""


_DETECTORS: dict[Rule, Callable[[str], Iterator[_Match]]] = {
    Rule.ID_CARD: _find_id18,
    Rule.ID_CARD_15: _find_id15,
    Rule.CARD: _find_cards,
    Rule.BANK_ACCOUNT: _find_accounts,
    Rule.CVV: _find_cvv,
    Rule.MOBILE: _find_mobiles,
    Rule.EMAIL: _find_emails,
}


def _token(rule: Rule, last4: str, keep_last4: bool) -> str:
    if keep_last4 and last4 and rule in _KEEPS_LAST4:
        return f"{_TOKENS[rule][:-1]}:****{last4}]"
    return _TOKENS[rule]


def redact(text: str, policy: RedactionPolicy | None = None) -> RedactionResult:
    """Replace every match of the policy's rules; overlaps go to the higher-priority rule.

    Idempotent: tokens contain at most four digits, which no rule matches again.
    """
    policy = policy or RedactionPolicy()
    candidates = [
        (start, end, rule, last4)
        for rule in sorted(policy.rules, key=_PRIORITY.__getitem__)
        for start, end, last4 in _DETECTORS[rule](text)
    ]
    # Higher priority first, then earliest; keep those not overlapping an accepted one.
    candidates.sort(key=lambda c: (_PRIORITY[c[2]], c[0]))
    accepted: list[tuple[int, int, Rule, str]] = []
    for c in candidates:
        if all(c[1] <= a[0] or c[0] >= a[1] for a in accepted):
            accepted.append(c)
    accepted.sort()

    out: list[str] = []
    findings: list[Finding] = []
    pos = length = 0
    for start, end, rule, last4 in accepted:
        out.append(text[pos:start])
        length += start - pos
        token = _token(rule, last4, policy.keep_last4)
        out.append(token)
        findings.append(Finding(rule, (start, end), (length, length + len(token))))
        length += len(token)
        pos = end
    out.append(text[pos:])
    return RedactionResult("".join(out), tuple(findings))
