"""The auto-QA core on hand-written Chinese conversations: each check positive and negative,
the score formula, and properties (bounds, determinism, findings point at real messages)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kefu.quality import autoqa
from kefu.quality.autoqa import Author, Direction, Message, Rules, Sla
from kefu.quality.autoqa.scoring import score

T0 = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
GREETING = "您好，欢迎光临悦家家居，我是客服小美，很高兴为您服务"
CLOSING = "还有其他可以帮您的吗？祝您生活愉快~"


def customer(text: str, s: int = 0) -> Message:
    return Message(Direction.IN, Author.CUSTOMER, text, T0 + dt.timedelta(seconds=s))


def agent(text: str, s: int = 0) -> Message:
    return Message(Direction.OUT, Author.AGENT, text, T0 + dt.timedelta(seconds=s))


def bot(text: str, s: int = 0) -> Message:
    return Message(Direction.OUT, Author.BOT, text, T0 + dt.timedelta(seconds=s))


def inspect(*messages: Message, rules: Rules | None = None, sla: Sla | None = None) -> autoqa.Result:
    return autoqa.inspect_conversation(
        autoqa.Conversation(
            messages=messages,
            shop_name="悦家家居",
            agent_name="小美",
            rules=rules or Rules(),
            sla=sla or Sla(first_response_s=60, next_response_s=120),
        )
    )


def checks(result: autoqa.Result) -> list[tuple[str, int]]:
    return [(f.check, f.message_index) for f in result.findings]


def good(*middle: Message) -> tuple[Message, ...]:
    return (
        customer("我前天下的单，怎么还没发货？", 0),
        agent(GREETING, 10),
        *middle,
        agent("亲，仓库今天会安排发出，请您放心。" + CLOSING, 40),
    )


def test_a_model_conversation_has_no_findings_and_scores_100() -> None:
    result = inspect(*good(), customer("好的，谢谢", 60))

    assert checks(result) == []
    assert result.score == 100
    assert [(p.message_index, p.label) for p in result.sentiment] == [(0, "neutral"), (3, "positive")]


# --- greeting (seed 001) -----------------------------------------------------------------------
def test_no_greeting_word_is_greeting_missing_on_the_first_agent_message() -> None:
    result = inspect(customer("在吗？"), agent("仓库今天发货。" + CLOSING, 10))

    assert checks(result) == [("greeting_missing", 1)]


def test_a_greeting_without_the_names_misses_shop_and_agent() -> None:
    result = inspect(customer("在吗？"), agent("您好，请问有什么可以帮您？", 10), agent(CLOSING, 20))

    assert checks(result) == [("greeting_no_agent_name", 1), ("greeting_no_shop_name", 1)]
    assert dict(result.findings[1].params) == {"shop": "悦家家居"}


def test_a_shop_alias_counts_as_the_shop_name() -> None:
    rules = Rules(shop_aliases=("悦家",))
    result = inspect(
        customer("在吗？"), agent("您好，悦家客服小美为您服务", 10), agent(CLOSING, 20), rules=rules
    )

    assert checks(result) == []


def test_a_template_without_the_agent_placeholder_does_not_ask_for_the_name() -> None:
    rules = Rules(greeting_template="您好，欢迎光临{shop}")
    result = inspect(customer("在吗？"), agent("您好，欢迎光临悦家家居", 10), agent(CLOSING, 20), rules=rules)

    assert checks(result) == []


# --- closing -----------------------------------------------------------------------------------
def test_no_closing_phrase_on_the_last_agent_message() -> None:
    result = inspect(customer("在吗？"), agent(GREETING, 10), agent("好的，已经为您登记了", 20))

    assert checks(result) == [("closing_missing", 2)]


def test_a_clients_own_closing_phrase_counts() -> None:
    rules = Rules(closing_phrases=("悦家祝您好梦",))
    result = inspect(customer("在吗？"), agent(GREETING, 10), agent("已登记，悦家祝您好梦", 20), rules=rules)

    assert checks(result) == []


# --- response times -----------------------------------------------------------------------------
def test_a_first_response_after_the_target_is_slow_and_a_bot_reply_does_not_stop_the_clock() -> None:
    result = inspect(
        customer("在吗？", 0), bot("您好，客服马上就来", 1), agent(GREETING, 90), agent(CLOSING, 100)
    )

    assert checks(result) == [("slow_first_response", 2)]
    assert dict(result.findings[0].params) == {"waited_s": 90, "target_s": 60}


def test_a_next_response_is_timed_from_the_customers_first_unanswered_message() -> None:
    result = inspect(
        customer("在吗？", 0),
        agent(GREETING, 30),
        customer("发货了吗", 40),
        customer("人呢", 100),
        agent("已经发货了。" + CLOSING, 170),
    )

    assert checks(result) == [("slow_response", 4)]
    assert dict(result.findings[0].params) == {"waited_s": 130, "target_s": 120}


def test_answers_within_the_targets_or_without_an_sla_are_not_slow() -> None:
    messages = (customer("在吗？", 0), agent(GREETING, 60), customer("好", 70), agent(CLOSING, 190))

    assert checks(inspect(*messages)) == []
    assert checks(inspect(*messages[:2], customer("好", 70), agent(CLOSING, 5000), sla=Sla())) == []


# --- forbidden words and promises -----------------------------------------------------------------
def test_a_clients_forbidden_word_is_critical_and_its_span_is_the_raw_text() -> None:
    rules = Rules(forbidden_words=("差评返现",))
    result = inspect(*good(agent("好评的话可以差 评 返现哦", 20)), rules=rules)

    [finding] = result.findings
    assert (finding.check, finding.severity, finding.message_index) == ("forbidden_word", "critical", 2)
    assert (finding.evidence, dict(finding.params)) == ("差 评 返现", {"source": "client"})


def test_shipped_rude_words_match_through_fillers_and_in_full_width() -> None:
    result = inspect(*good(agent("你自*己看物流", 20), agent("ＳＢ", 30)))

    assert [(f.check, f.evidence, f.severity) for f in result.findings] == [
        ("forbidden_word", "你自*己看", "major"),
        ("forbidden_word", "ＳＢ", "critical"),
    ]


def test_latin_abuse_words_match_whole_words_only() -> None:
    result = inspect(*good(agent("这款充电器是USB接口的", 20)))

    assert checks(result) == []


def test_a_forbidden_promise_from_the_shipped_list_and_a_clients_own() -> None:
    rules = Rules(forbidden_promises=("包退包换",))
    result = inspect(*good(agent("我保证明天一定到，不满意包退包换", 20)), rules=rules)

    assert [(f.check, f.evidence, f.severity) for f in result.findings] == [
        ("forbidden_promise", "我保证", "major"),
        ("forbidden_promise", "明天一定到", "major"),
        ("forbidden_promise", "包退包换", "critical"),
    ]


def test_the_customer_may_say_what_the_agent_may_not() -> None:
    result = inspect(customer("你保证明天一定到吗？我不知道怎么查", 0), *good()[1:])

    assert checks(result) == []


# --- masked data typed out in full ------------------------------------------------------------------
def test_a_whole_phone_number_id_number_and_address_by_an_agent_are_exposed() -> None:
    text = "已登记：电话13812345678，身份证110101199003074514，地址杭州市西湖区文三路100号"
    result = inspect(*good(agent(text, 20)))

    assert [(f.check, f.severity, f.evidence, dict(f.params)["kind"]) for f in result.findings] == [
        ("pii_exposed", "critical", "13812345678", "phone"),
        ("pii_exposed", "critical", "110101199003074514", "id_card"),
        ("pii_exposed", "critical", "杭州市西湖区文三路100号", "address"),
    ]


def test_masked_data_and_order_numbers_are_not_exposed() -> None:
    result = inspect(*good(agent("尾号5678的手机138****5678，订单261205123456789，杭州市西湖区****", 20)))

    assert checks(result) == []


def test_a_number_the_desk_redacted_on_storage_still_counts_for_the_agent() -> None:
    stored = Message(Direction.OUT, Author.AGENT, "您的手机是[phone:****5678]", T0, redacted=("mobile",))
    result = inspect(*good(stored))

    assert [(f.check, f.evidence) for f in result.findings] == [("pii_exposed", "[phone:****5678]")]


# --- sentiment, empathy, politeness --------------------------------------------------------------
def test_questions_are_neutral_and_complaints_negative() -> None:
    result = inspect(
        customer("这个沙发能进电梯吗？", 0),
        agent(GREETING, 10),
        customer("太慢了，我要投诉！！", 20),
        agent("非常抱歉让您久等，马上为您处理。" + CLOSING, 30),
        customer("好的，谢谢", 40),
    )

    assert [(p.message_index, p.label) for p in result.sentiment] == [
        (0, "neutral"),
        (2, "negative"),
        (4, "positive"),
    ]
    assert checks(result) == []


def test_the_customer_leaving_negative_and_a_reply_without_empathy() -> None:
    result = inspect(
        customer("怎么还没发货？", 0),
        agent(GREETING, 10),
        customer("太差了，不满意", 20),
        agent("仓库今天发。" + CLOSING, 30),
        customer("垃圾店，给差评", 40),
    )

    assert checks(result) == [("empathy_missing", 3), ("negative_sentiment", 4)]
    assert result.score == 100 - 4 - 10


def test_negation_wins_over_the_word_inside_it() -> None:
    result = inspect(customer("很不满意", 0), *good()[1:])

    assert [p.label for p in result.sentiment] == ["negative"]


def test_no_polite_wording_in_any_agent_message() -> None:
    result = inspect(customer("在吗？"), agent("悦家家居小美在线", 10), agent("发了。再见", 20))

    assert checks(result) == [("greeting_missing", 1), ("politeness_missing", 1)]


# --- questions left unanswered ---------------------------------------------------------------------
def test_a_last_question_nobody_answered_and_a_thanks_that_is_no_question() -> None:
    unanswered = inspect(*good(), customer("那什么时候能到？", 60))
    thanks = inspect(*good(), customer("没什么问题了，谢谢", 60))

    assert checks(unanswered) == [("question_unanswered", 3)]
    assert checks(thanks) == []


def test_a_bot_answer_counts_as_an_answer() -> None:
    result = inspect(*good(), customer("几点发货", 60), bot("每天16点前的订单当天发货", 61))

    assert checks(result) == []


def test_a_conversation_without_agent_messages_only_reports_the_open_question() -> None:
    result = inspect(customer("有人吗？"))

    assert checks(result) == [("question_unanswered", 0)]


# --- score ----------------------------------------------------------------------------------------
def test_the_score_counts_each_check_at_most_three_times_and_stops_at_zero() -> None:
    def f(check: str, severity: str) -> autoqa.Finding:
        return autoqa.Finding(check, autoqa.Severity(severity), 0)

    assert score([f("slow_response", "major")] * 5) == 70
    assert score([f("pii_exposed", "critical")] * 2 + [f("closing_missing", "minor")]) == 36
    assert score([f("pii_exposed", "critical")] * 3 + [f("forbidden_word", "critical")]) == 0


def test_the_version_carries_the_rules_revision() -> None:
    assert inspect(*good(), rules=Rules(revision=7)).version.endswith(".r7")


# --- properties -----------------------------------------------------------------------------------
TEXTS = st.sampled_from(
    [
        "您好，欢迎光临悦家家居，我是客服小美", "怎么还没发货？", "太差了，我要投诉！！", "好的，谢谢",
        "你自己看", "我保证明天一定到", "电话13812345678", CLOSING, "非常抱歉", "吗", "", "?!",
    ]
) | st.text(max_size=30)  # fmt: skip


@st.composite
def conversations(draw: st.DrawFn) -> autoqa.Conversation:
    n = draw(st.integers(min_value=1, max_value=12))
    at = T0
    messages = []
    for _ in range(n):
        at += dt.timedelta(seconds=draw(st.integers(min_value=0, max_value=400)))
        author = draw(st.sampled_from(list(Author)))
        direction = (
            Direction.IN
            if author == Author.CUSTOMER
            else draw(st.sampled_from([Direction.OUT, Direction.NOTE]))
        )
        messages.append(Message(direction, author, draw(TEXTS), at))
    words = tuple(draw(st.lists(st.text(min_size=1, max_size=4), max_size=3)))
    return autoqa.Conversation(
        messages=tuple(messages), shop_name="悦家", agent_name="小美",
        rules=Rules(forbidden_words=words), sla=Sla(60, 120),
    )  # fmt: skip


@given(conversations())
def test_score_within_bounds_deterministic_and_findings_point_at_messages(
    conversation: autoqa.Conversation,
) -> None:
    first = autoqa.inspect_conversation(conversation)
    again = autoqa.inspect_conversation(conversation)

    assert first == again
    assert 0 <= first.score <= 100
    for finding in first.findings:
        assert 0 <= finding.message_index < len(conversation.messages)
        text = conversation.messages[finding.message_index].text
        assert 0 <= finding.start <= finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.evidence
        assert finding.check in autoqa.CHECKS


@given(conversations())
def test_more_findings_never_raise_the_score(conversation: autoqa.Conversation) -> None:
    result = autoqa.inspect_conversation(conversation)

    assert score(result.findings[:-1]) >= result.score
