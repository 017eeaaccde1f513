"""Redaction on ingest: checksummed numbers go, order numbers stay, nothing leaks."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kefu.desk.redaction import (
    RedactionPolicy,
    Rule,
    id_card_check_char,
    is_valid_id_card,
    luhn_valid,
    redact,
)

VISA = "4111111111111111"
UNIONPAY = "6222021234567890128"  # 19 digits, Luhn-valid
ID18 = "11010519491231002X"  # the GB 11643 textbook example
ALL = RedactionPolicy.all()


def luhn_complete(body: str) -> str:
    """Append the digit that makes ``body`` Luhn-valid."""
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def id_complete(first17: str) -> str:
    return first17 + id_card_check_char(first17)


# --------------------------------------------------------------------------- checks


def test_luhn() -> None:
    assert luhn_valid(VISA) and luhn_valid(UNIONPAY) and luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("41111111111111a1") and not luhn_valid("")


def test_id_card_check_char() -> None:
    assert id_card_check_char("11010519491231002") == "X"
    assert id_card_check_char("44052418800101001") == "4"
    assert is_valid_id_card(ID18) and is_valid_id_card(ID18.lower())
    assert not is_valid_id_card("110105194912310021")  # wrong check char
    assert not is_valid_id_card("110105194902300025".replace("0230", "0230"))  # Feb 30
    assert is_valid_id_card("110105491231002")  # legacy 15 digits, 1949-12-31
    assert not is_valid_id_card("110105491331002")  # month 13
    with pytest.raises(ValueError):
        id_card_check_char("123")


@given(st.from_regex(r"[1-9][0-9]{16}", fullmatch=True))
def test_exactly_one_check_char_is_valid(first17: str) -> None:
    try:
        date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
        real = 1900 <= int(first17[6:10]) <= 2099
    except ValueError:
        real = False
    valid = [c for c in "0123456789X" if is_valid_id_card(first17 + c)]
    assert valid == ([id_card_check_char(first17)] if real else [])


# --------------------------------------------------------------------------- examples


def test_card_kept_last4_and_order_number_kept() -> None:
    result = redact(f"卡号 {VISA}，订单号 2025100112345679", RedactionPolicy())
    assert result.text == "卡号 [card:****1111]，订单号 2025100112345679"
    assert [(f.rule, f.span) for f in result.findings] == [(Rule.CARD, (3, 19))]
    assert result.text[slice(*result.findings[0].output_span)] == "[card:****1111]"


@pytest.mark.parametrize(
    "written",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "４１１１１１１１１１１１１１１１",
        "6222 0212 3456 7890 128",
    ],
)
def test_card_formats(written: str) -> None:
    result = redact(f"我的卡是{written}谢谢")
    assert re.fullmatch(r"我的卡是\[card:\*\*\*\*\d{4}\]谢谢", result.text)
    assert [f.rule for f in result.findings] == [Rule.CARD]


def test_card_inside_longer_digit_run() -> None:
    # A phone number typed right before the card, one space apart: the card is still found.
    result = redact(f"13812345678 {VISA}")
    assert result.text == "13812345678 [card:****1111]"
    # but digits glued to a card make a different, longer number: not a card
    assert redact(f"9{VISA}9").text == f"9{VISA}9"


def test_id_card_wins_over_card_and_keeps_nothing() -> None:
    luhn_id = "330106199001010069"  # also passes Luhn, so both rules match it
    assert luhn_valid(luhn_id) and is_valid_id_card(luhn_id)
    result = redact(f"身份证 {luhn_id}", RedactionPolicy())
    assert result.text == "身份证 [id_card]"
    assert [f.rule for f in result.findings] == [Rule.ID_CARD]
    assert redact("身份证号 110105 19491231 002x").text == "身份证号 [id_card]"


def test_id_card_15_only_when_enabled() -> None:
    text = "老身份证110105491231002"
    assert redact(text).text == text
    assert redact(text, RedactionPolicy.from_names(["id_card_15"])).text == "老身份证[id_card]"


def test_optional_rules_are_off_by_default() -> None:
    text = "手机 13812345678，邮箱 zhang.san@example.com，账号：6217 0000 1234 5678 9，CVV: 123"
    assert redact(text).text == text
    result = redact(text, ALL)
    assert result.text == "手机 [phone:****5678]，邮箱 [email]，账号：[account:****6789]，CVV: [cvv]"
    assert [f.rule for f in result.findings] == [Rule.MOBILE, Rule.EMAIL, Rule.BANK_ACCOUNT, Rule.CVV]


def test_mobile_formats() -> None:
    policy = RedactionPolicy(rules=frozenset({Rule.MOBILE}))
    for written in ("13812345678", "+86 138 1234 5678", "+8613812345678", "138-1234-5678"):
        assert redact(f"打{written}找我", policy).text == "打[phone:****5678]找我"
    assert redact("单号12345678901", policy).text == "单号12345678901"  # starts with 12: not a mobile
    assert redact("运单 913812345678", policy).text == "运单 913812345678"


def test_keep_last4_off_leaves_no_digits() -> None:
    policy = RedactionPolicy(rules=frozenset(Rule), keep_last4=False)
    result = redact(f"{VISA} 13812345678 账号 6217000012345678", policy)
    assert not re.search(r"\d", result.text)


def test_policy_from_names_rejects_unknown() -> None:
    with pytest.raises(ValueError):
        RedactionPolicy.from_names(["card", "dna"])


# --------------------------------------------------------------------------- properties

fillers = st.text(alphabet=st.sampled_from(list("订单号我的卡是，。 abcXYZ:-\n你好")), max_size=20)
bodies = st.integers(min_value=12, max_value=18).flatmap(
    lambda n: st.from_regex(rf"[0-9]{{{n}}}", fullmatch=True)
)
separators = st.sampled_from(["", " ", "-"])


@settings(max_examples=300)
@given(fillers, bodies, separators, fillers)
def test_luhn_valid_numbers_are_always_redacted(before: str, body: str, sep: str, after: str) -> None:
    number = luhn_complete(body)
    written = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    result = redact(before + written + after, RedactionPolicy.all())
    assert number not in re.sub(r"\D", "", result.text)
    assert written not in result.text
    assert result.findings


@settings(max_examples=200)
@given(st.from_regex(r"[0-9]{1,11}", fullmatch=True), st.sampled_from([" ", "-"]), bodies, separators)
def test_card_after_another_number_is_redacted(other: str, join: str, body: str, sep: str) -> None:
    number = luhn_complete(body)
    written = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    result = redact(f"编号{other}{join}{written}。", RedactionPolicy())
    assert number not in re.sub(r"\D", "", result.text)
    assert result.findings


@settings(max_examples=300)
@given(fillers, bodies, fillers)
def test_luhn_invalid_order_numbers_are_kept(before: str, body: str, after: str) -> None:
    number = body + next(d for d in "0123456789" if not luhn_valid(body + d))
    assume(not is_valid_id_card(number))
    text = f"{before} 订单{number} {after}"
    assert redact(text, RedactionPolicy()).text == text


@settings(max_examples=200)
@given(
    fillers,
    st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
    st.dates(date(1930, 1, 1), date(2020, 12, 31)),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
    fillers,
)
def test_valid_id_cards_are_always_redacted(
    before: str, region: str, born: date, seq: str, after: str
) -> None:
    number = id_complete(region + born.strftime("%Y%m%d") + seq)
    result = redact(f"{before} {number} {after}", RedactionPolicy())
    assert number not in result.text
    assert [f.rule for f in result.findings] == [Rule.ID_CARD]


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("0123456789 -+@.abc账号CVV:：手机，")), max_size=80))
def test_redaction_is_idempotent_and_spans_are_consistent(text: str) -> None:
    first = redact(text, ALL)
    assert redact(first.text, ALL).text == first.text
    out, pos, cursor = [], 0, 0
    for f in first.findings:
        out.append(text[pos : f.span[0]])
        cursor += f.span[0] - pos
        assert f.output_span[0] == cursor
        token = first.text[f.output_span[0] : f.output_span[1]]
        assert token.startswith("[") and token.endswith("]")
        out.append(token)
        cursor = f.output_span[1]
        pos = f.span[1]
    out.append(text[pos:])
    assert "".join(out) == first.text
