"""Auto-QA on stored conversations: on demand, the incremental job (each closed conversation
inspected once per rules version), the rules, and the API, pages and command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kefu.core import clock
from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.desk import services as desk_services
from kefu.quality import autoqa_selectors as selectors
from kefu.quality import autoqa_services as services
from kefu.quality.models_autoqa import AutoQaFinding, AutoQaResult
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
SINCE = NOW - dt.timedelta(days=30)


def _chat(
    tenants: Tenants, *, org: str = "pa", client: str = "ca1", resolve: bool = True, reply: str = ""
) -> int:
    agent = tenants.scope(org, "agent")
    with clock.at(NOW):
        conversation = desk_services.conversation_create(
            agent, channel="chat", client_id=getattr(tenants, client).pk, message="怎么还没发货？"
        )
        desk_services.conversation_assign(agent, conversation_id=conversation.pk, agent_id=agent.user_id)
    with clock.at(NOW + dt.timedelta(seconds=20)):
        desk_services.message_post(
            agent, conversation_id=conversation.pk, body=reply or "仓库今天发，你自己看物流"
        )
    if resolve:
        with clock.at(NOW + dt.timedelta(seconds=40)):
            desk_services.conversation_set_status(
                agent, conversation_id=conversation.pk, status="resolved", category="其他"
            )
    return conversation.pk


def test_on_demand_inspection_stores_the_result_and_findings_by_message_seq(tenants: Tenants) -> None:
    conversation_id = _chat(tenants)

    result = services.autoqa_run(tenants.scope("pa", "qa_inspector"), conversation_id=conversation_id)

    findings = [(f.check_id, f.message_seq, f.evidence) for f in selectors.autoqa_finding_list(result)]
    assert findings == [
        ("closing_missing", 2, ""),
        ("greeting_missing", 2, ""),
        ("politeness_missing", 2, ""),
        ("forbidden_word", 2, "你自己看"),
    ]
    assert (result.score, result.findings_count, result.critical_count) == (100 - 4 - 10 - 4 - 10, 4, 0)
    assert (result.trigger, result.agent_id, result.client_id) == (
        "demand",
        tenants.user("pa", "agent").pk,
        tenants.ca1.pk,
    )
    assert result.sentiment == [{"seq": 1, "label": "neutral", "score": 0}]


def test_inspecting_again_replaces_the_result(tenants: Tenants) -> None:
    conversation_id = _chat(tenants)
    scope = tenants.scope("pa", "qa_inspector")

    services.autoqa_run(scope, conversation_id=conversation_id)
    services.autoqa_run(scope, conversation_id=conversation_id)

    assert AutoQaResult.all_tenants.filter(conversation_id=conversation_id).count() == 1
    assert AutoQaFinding.all_tenants.count() == 4


def test_agents_cannot_run_and_other_tenants_get_not_found(tenants: Tenants) -> None:
    conversation_id = _chat(tenants)

    with pytest.raises(PermissionDenied):
        services.autoqa_run(tenants.scope("pa", "agent"), conversation_id=conversation_id)
    with pytest.raises(NotFound):
        services.autoqa_run(tenants.scope("pb", "qa_inspector"), conversation_id=conversation_id)
    assert AutoQaResult.all_tenants.count() == 0


def test_the_job_inspects_each_closed_conversation_once_per_rules_version(tenants: Tenants) -> None:
    closed = _chat(tenants)
    open_ = _chat(tenants, resolve=False)
    other = _chat(tenants, org="pb", client="cb")

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        first = services.inspect_closed()
        second = services.inspect_closed()

    assert (first, second) == ("inspected 2", "inspected 0")
    assert set(AutoQaResult.all_tenants.values_list("conversation_id", flat=True)) == {closed, other}
    assert open_ not in set(AutoQaResult.all_tenants.values_list("conversation_id", flat=True))

    _save_rules(tenants, forbidden_words=["物流"])
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        after_rules = services.inspect_closed()

    assert after_rules == "inspected 1"  # only pa's client ca1 changed its rules
    result = AutoQaResult.all_tenants.get(conversation_id=closed)
    assert result.rules_version.endswith(".r1")
    assert result.trigger == "job"
    assert AutoQaFinding.all_tenants.filter(result=result, check_id="forbidden_word").count() == 2


def test_a_reopened_conversation_with_new_messages_is_inspected_again(tenants: Tenants) -> None:
    closed = _chat(tenants)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        services.inspect_closed()
    agent = tenants.scope("pa", "agent")
    with clock.at(NOW + dt.timedelta(hours=2)):
        desk_services.message_post(agent, conversation_id=closed, body="您好，还有其他可以帮您的吗？")
        desk_services.conversation_set_status(
            agent, conversation_id=closed, status="resolved", category="其他"
        )

    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        assert services.inspect_closed() == "inspected 1"

    assert AutoQaResult.all_tenants.get(conversation_id=closed).message_seq == 3


def test_conversations_closed_before_the_look_back_window_are_left_alone(
    tenants: Tenants, settings: object
) -> None:
    _chat(tenants)

    with time_machine.travel(NOW + dt.timedelta(days=40), tick=False):
        assert services.inspect_closed() == "inspected 0"


def _save_rules(tenants: Tenants, **changes: object) -> object:
    values = {
        "forbidden_words": [], "forbidden_promises": [], "greeting_template": "", "shop_aliases": [],
        "closing_phrases": [], **changes,
    }  # fmt: skip
    return services.autoqa_rules_save(tenants.scope("pa", "qa_inspector"), client_id=tenants.ca1.pk, **values)  # type: ignore[arg-type]


def test_rules_are_saved_with_a_new_revision_and_unknown_placeholders_refused(tenants: Tenants) -> None:
    first = _save_rules(tenants, forbidden_words=["加微信", "加微信", " "])
    second = _save_rules(tenants, greeting_template="您好，{shop}的{agent}为您服务")

    assert (first.revision, second.revision, second.forbidden_words) == (1, 2, [])
    assert selectors.rules_of(second).greeting_template == "您好，{shop}的{agent}为您服务"
    with pytest.raises(Invalid) as error:
        _save_rules(tenants, greeting_template="您好，{name}")
    assert error.value.field == "greeting_template"


@pytest.mark.parametrize(("org", "role"), [("pa", "agent"), ("pa", "supervisor"), ("ca1", "client_admin")])
def test_only_the_providers_qa_staff_and_admins_edit_rules(tenants: Tenants, org: str, role: str) -> None:
    values = {
        "forbidden_words": ["x"],
        "forbidden_promises": [],
        "greeting_template": "",
        "shop_aliases": [],
        "closing_phrases": [],
    }

    with pytest.raises((PermissionDenied, NotFound)):
        services.autoqa_rules_save(tenants.scope(org, role), client_id=tenants.ca1.pk, **values)  # type: ignore[arg-type]


def test_another_providers_client_is_not_found(tenants: Tenants) -> None:
    with pytest.raises(NotFound):
        services.autoqa_rules_save(
            tenants.scope("pa", "qa_inspector"), client_id=tenants.cb.pk, forbidden_words=[],
            forbidden_promises=[], greeting_template="", shop_aliases=[], closing_phrases=[],
        )  # fmt: skip


# --- list and visibility --------------------------------------------------------------------------
def test_agents_see_their_own_results_and_clients_their_own(tenants: Tenants) -> None:
    ours = _chat(tenants)
    theirs = _chat(tenants, client="ca2")
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        services.inspect_closed()

    def seen(org: str, role: str, **filters: object) -> set[int]:
        found = selectors.autoqa_result_list(
            tenants.scope(org, role), filters=selectors.ResultFilter(**filters)
        )  # type: ignore[arg-type]
        return set(found.values_list("conversation_id", flat=True))

    assert seen("pa", "qa_inspector") == {ours, theirs}
    assert seen("pa", "qa_inspector", client_id=tenants.ca2.pk) == {theirs}
    assert seen("pa", "qa_inspector", score_max=50) == set()
    assert seen("pa", "qa_inspector", check_id="forbidden_word") == {ours, theirs}
    assert seen("pa", "agent") == {ours, theirs}  # the same agent handled both
    assert seen("pa", "trainer", agent_id=tenants.user("pa", "supervisor").pk) == set()
    assert seen("ca1", "client_admin") == {ours}
    assert seen("pb", "qa_inspector") == set()


# --- API ------------------------------------------------------------------------------------------
def _api(tenants: Tenants, org: str, role: str) -> tuple[Client, dict[str, str]]:
    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="t")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_runs_and_reads_one_conversations_auto_qa(tenants: Tenants) -> None:
    conversation_id = _chat(tenants)
    client, auth = _api(tenants, "pa", "qa_inspector")

    before = client.get(f"/api/conversations/{conversation_id}/autoqa", **auth)
    ran = client.post(f"/api/conversations/{conversation_id}/autoqa", **auth)
    read = client.get(f"/api/conversations/{conversation_id}/autoqa", **auth)

    assert before.status_code == 404
    assert before.json()["error"]["code"] == "not_found"
    assert ran.status_code == 200
    assert read.json() == ran.json()
    body = read.json()
    assert (body["score"], body["conversation_id"]) == (72, conversation_id)
    assert [(f["check"], f["message_seq"], f["severity"]) for f in body["findings"]] == [
        ("closing_missing", 2, "minor"),
        ("greeting_missing", 2, "major"),
        ("politeness_missing", 2, "minor"),
        ("forbidden_word", 2, "major"),
    ]


def test_api_lists_results_and_replaces_rules(tenants: Tenants) -> None:
    conversation_id = _chat(tenants)
    client, auth = _api(tenants, "pa", "qa_inspector")
    client.post(f"/api/conversations/{conversation_id}/autoqa", **auth)

    listed = client.get(
        "/api/quality/autoqa/results?score_max=80&date_from=2026-12-05&date_to=2026-12-05", **auth
    )
    put = client.put(
        f"/api/quality/autoqa/rules/{tenants.ca1.pk}",
        data={"forbidden_words": ["加微信"], "greeting_template": "您好{shop}"},
        content_type="application/json",
        **auth,
    )
    bad = client.put(
        f"/api/quality/autoqa/rules/{tenants.ca1.pk}",
        data={"greeting_template": "您好{nme}"},
        content_type="application/json",
        **auth,
    )
    got = client.get(f"/api/quality/autoqa/rules/{tenants.ca1.pk}", **auth)

    assert [r["conversation_id"] for r in listed.json()["items"]] == [conversation_id]
    assert put.status_code == 200
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "greeting_template"
    assert (got.json()["forbidden_words"], got.json()["revision"]) == (["加微信"], 1)


# --- pages -----------------------------------------------------------------------------------------
def test_the_list_page_shows_coverage_and_results(tenants: Tenants, in_english: None) -> None:
    conversation_id = _chat(tenants)
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        services.inspect_closed()
        page = tenants.client_for("pa", "qa_inspector").get("/quality/autoqa/")

    text = page.content.decode()
    assert page.status_code == 200
    assert f'data-conversation-id="{conversation_id}"' in text
    assert "Closed yesterday: <strong>1</strong> · inspected: <strong>1</strong>" in text


def test_the_panel_links_findings_to_messages_and_inspects_on_demand(
    tenants: Tenants, in_english: None
) -> None:
    conversation_id = _chat(tenants)
    client = tenants.client_for("pa", "qa_inspector")

    empty = client.get(f"/quality/autoqa/conversations/{conversation_id}/")
    ran = client.post(f"/quality/autoqa/conversations/{conversation_id}/")
    desk = client.get(f"/desk/c/{conversation_id}/")

    assert 'id="autoqa-none"' in empty.content.decode()
    assert 'href="#msg-2" class="autoqa-link">Forbidden word</a>' in ran.content.decode()
    assert f'hx-get="/quality/autoqa/conversations/{conversation_id}/"' in desk.content.decode()


def test_the_rules_page_saves_and_keeps_input_on_error(tenants: Tenants, in_english: None) -> None:
    client = tenants.client_for("pa", "qa_inspector")
    url = f"/quality/autoqa/rules/{tenants.ca1.pk}/"

    saved = client.post(url, {"greeting_template": "您好{shop}", "forbidden_words": "加微信\n私下交易"})
    refused = client.post(url, {"greeting_template": "您好{x}", "forbidden_words": "保留"})

    assert saved.status_code == 302
    assert selectors.rules_of(
        selectors.autoqa_rules_get(tenants.scope("pa", "qa_inspector"), client_id=tenants.ca1.pk)
    ).forbidden_words == ("加微信", "私下交易")
    assert refused.status_code == 422
    assert "保留" in refused.content.decode()
    assert client.get(f"/quality/autoqa/rules/{tenants.cb.pk}/").status_code == 404


# --- command ---------------------------------------------------------------------------------------
SAMPLE = {
    "shop_name": "悦家家居",
    "agent_name": "小美",
    "sla": {"first_response_s": 60, "next_response_s": 120},
    "messages": [
        {"direction": "in", "author": "customer", "text": "在吗？", "at": "2026-12-05T10:00:00+08:00"},
        {"direction": "out", "author": "agent", "text": "电话13812345678", "at": "2026-12-05T10:02:00+08:00"},
    ],
}


def _run(tmp_path: Path, data: object, *args: str) -> dict:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    from io import StringIO

    out = StringIO()
    call_command("qa", "check", "--file", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_prints_score_and_findings_with_message_indexes(tmp_path: Path, in_english: None) -> None:
    result = _run(tmp_path, SAMPLE)

    assert result["score"] == 100 - 30 - 10 - 10 - 4 - 4
    assert [(f["check"], f["message_index"]) for f in result["findings"]] == [
        ("closing_missing", 1), ("greeting_missing", 1), ("politeness_missing", 1),
        ("slow_first_response", 1), ("pii_exposed", 1),
    ]  # fmt: skip
    assert (
        result["findings"][4]["explanation"]
        == "The agent wrote out a phone number in full; it should stay masked."
    )


def test_the_command_uses_a_clients_stored_rules(tmp_path: Path, tenants: Tenants) -> None:
    _save_rules(tenants, forbidden_words=["电话"])

    result = _run(tmp_path, SAMPLE, "--client", "ca1")

    assert ("forbidden_word", "电话") in [(f["check"], f["evidence"]["text"]) for f in result["findings"]]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "(root)"),
        ({"messages": []}, "messages"),
        ({"messages": [{"direction": "in", "author": "customer", "text": "x"}]}, "messages[0].at"),
        (
            {"messages": [{"direction": "up", "author": "customer", "text": "x", "at": "2026-12-05T10:00"}]},
            "messages[0].direction",
        ),
        (
            {"messages": [{"direction": "in", "author": "customer", "text": "x", "at": "yesterday"}]},
            "messages[0].at",
        ),
        ({**SAMPLE, "sla": {"first_response_s": -1}}, "sla.first_response_s"),
        ({**SAMPLE, "rules": {"forbidden_words": "x"}}, "rules.forbidden_words"),
    ],
)
def test_a_bad_file_exits_2_naming_the_field(tmp_path: Path, data: object, field: str) -> None:
    with pytest.raises(CommandError) as error:
        _run(tmp_path, data)

    assert error.value.returncode == 2
    assert str(error.value).startswith(f"{field}:")


def test_an_unknown_client_or_unreadable_file_exits_2(tmp_path: Path, tenants: Tenants) -> None:
    with pytest.raises(CommandError) as unknown:
        _run(tmp_path, SAMPLE, "--client", "nope")
    with pytest.raises(CommandError) as missing:
        call_command("qa", "check", "--file", str(tmp_path / "none.json"))

    assert (unknown.value.returncode, missing.value.returncode) == (2, 2)
