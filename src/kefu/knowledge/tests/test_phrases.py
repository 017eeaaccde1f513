"""The pure phrase renderer: known variables filled, everything else left exactly as typed."""

from __future__ import annotations

import pytest

from kefu.knowledge import phrases


def test_known_variables_are_filled() -> None:
    body = "{customer_name}您好，我是{agent_name}，订单{order_number}已退款。"
    values = {"customer_name": "张", "agent_name": "小王", "order_number": "TB123"}
    assert phrases.render(body, values) == "张您好，我是小王，订单TB123已退款。"


def test_unknown_and_empty_variables_stay_visible() -> None:
    body = "{customer_name}您好，订单{order_number}，{coupon}"
    assert (
        phrases.render(body, {"customer_name": "李", "order_number": ""})
        == "李您好，订单{order_number}，{coupon}"
    )


@pytest.mark.parametrize(
    "body",
    [
        "{agent_name.__class__}",
        "{0}",
        "{agent_name[0]}",
        "{{agent_name}}x",
        "{ agent_name }",
        "{agent_name!r}",
        "%(agent_name)s",
    ],
)
def test_no_format_string_injection(body: str) -> None:
    rendered = phrases.render(body, {"agent_name": "小王"})
    assert "class" not in rendered or rendered == body
    if body == "{{agent_name}}x":
        assert rendered == "{小王}x"  # plain substitution inside the outer braces
    else:
        assert rendered == body


def test_values_are_not_expanded_again() -> None:
    rendered = phrases.render("{customer_name}", {"customer_name": "{agent_name}", "agent_name": "小王"})
    assert rendered == "{agent_name}"


def test_variables_in_lists_each_once() -> None:
    assert phrases.variables_in("{a}{b}{a} {not valid}") == ["a", "b"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("/TK", "tk"), (" tk ", "tk"), ("/退款", "退款"), ("wl-1", "wl-1"), ("", ""), ("/", "")],
)
def test_shortcuts_are_normalized(raw: str, expected: str) -> None:
    assert phrases.normalize_shortcut(raw) == expected


@pytest.mark.parametrize("raw", ["/t k", "a/b", "x" * 21, "{x}"])
def test_bad_shortcuts_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        phrases.normalize_shortcut(raw)


def test_a_fallback_replaces_a_variable_with_no_value() -> None:
    body = "{customer_name|亲}您好，订单{order_number|}已退款。{agent_name|客服}为您服务"
    values = {"customer_name": "", "agent_name": "小王"}
    assert phrases.render(body, values) == "亲您好，订单已退款。小王为您服务"


def test_a_fallback_on_an_unknown_name_stays_as_typed() -> None:
    assert phrases.render("{coupon|无}", {}) == "{coupon|无}"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("您好{customer_name}，订单{order_number|}", ["customer_name", "order_number"]),
        ("{customer_name}{customer_name}", ["customer_name"]),
        ("{退款} {json} {coupon} {order number}", []),
        ("张您好，订单TB1已退款", []),
    ],
)
def test_unfilled_lists_only_phrase_variables(body: str, expected: list[str]) -> None:
    assert phrases.unfilled(body) == expected


def test_a_rendered_phrase_with_missing_values_and_no_fallback_is_unfilled() -> None:
    rendered = phrases.render(
        "您好{customer_name}，订单{order_number}", {"customer_name": "", "order_number": ""}
    )
    assert phrases.unfilled(rendered) == ["customer_name", "order_number"]
