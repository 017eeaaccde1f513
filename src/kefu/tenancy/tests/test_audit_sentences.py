"""Audit records read as translated sentences with names, never as codes or dict text; every
action code written in the source has a sentence in zh-Hans and en."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from kefu.desk import services as desk_services
from kefu.tenancy import audit_sentences, services
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants

SOURCE = Path(__file__).resolve().parents[2]
_CALL = re.compile(r"audit_record\(")
_LITERAL = re.compile(r'f?"([^"]+)"')
_DOTTED = re.compile(r'\baction=f?"([a-z_]+\.[a-z_.{}]+)"')


def _codes_in_source() -> set[str]:
    """Every action code an `audit_record(...)` call in the source writes (f-strings: a prefix)."""
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for call in _CALL.finditer(text):
            window = text[call.end() : call.end() + 600]
            # a literal, or `"a" if x else "b"`
            found = re.search(r'\baction=(f?"[^"]+"(?:\s+if\s+[\w.]+\s+else\s+f?"[^"]+")?|\w+)', window)
            if found is None or found.group(1).startswith("action"):  # forwarded from a parameter
                continue
            codes.update(_LITERAL.findall(found.group(1)))
        # codes handed to a helper that records them (`_record_tier_change(..., action="desk.…")`)
        codes.update(_DOTTED.findall(text))
    return codes


def test_every_action_code_in_the_source_has_a_sentence_in_both_languages() -> None:
    codes = _codes_in_source()
    assert {"login", "desk.conversation_escalate", "membership.changed"} <= codes
    for code in sorted(codes):
        if "{" in code:  # f"workforce.schedule_request_{request.status}"
            prefix = code.split("{")[0]
            assert any(c.startswith(prefix) for c in audit_sentences.SENTENCES), code
            continue
        assert code in audit_sentences.SENTENCES, f"no sentence for the audit code {code!r}"
    for code, sentence in audit_sentences.SENTENCES.items():
        with translation.override("zh-hans"):
            chinese = str(sentence)
        with translation.override("en"):
            english = str(sentence)
        assert re.search(r"[\u4e00-\u9fff]", chinese), f"{code}: no Chinese sentence"
        assert not re.search(r"[\u4e00-\u9fff]", english), f"{code}: no English sentence"


def test_every_data_key_label_is_translated() -> None:
    for key, label in audit_sentences.KEY_LABELS.items():
        with translation.override("zh-hans"):
            assert re.search(r"[\u4e00-\u9fff]", str(label)), key


def test_an_escalation_reads_as_a_sentence_with_the_display_name(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    user = tenants.user("pa", "agent")
    user.display_name = "陈曦"
    user.save(update_fields=["display_name"])
    conversation = desk_services.conversation_create(
        agent, channel="chat", client_id=tenants.ca1.pk, message="退货"
    )
    desk_services.conversation_escalate(agent, conversation_id=conversation.pk, reason="质量问题")
    event = AuditEvent.all_tenants.select_related("actor").get(action="desk.conversation_escalate")

    with translation.override("zh-hans"):
        line = audit_sentences.line(event)
    assert line.sentence.startswith(f"陈曦 将 #{conversation.pk} 升级给")
    assert line.sentence.endswith("原因 质量问题")
    assert "l2" not in line.sentence and "{" not in line.sentence
    assert ("原因", "质量问题") in line.details
    with translation.override("en"):
        assert audit_sentences.line(event).sentence.startswith(f"陈曦 escalated #{conversation.pk} to ")


def test_a_membership_change_reads_before_and_after_in_words(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "provider_admin")
    services.audit_record(scope, action="membership.changed", data={"role": ["agent", "supervisor"]})
    event = AuditEvent.all_tenants.get(action="membership.changed")
    with translation.override("zh-hans"):
        line = audit_sentences.line(event)
    ((label, value),) = line.details
    assert label == "角色" and "→" in value and "agent" not in value and "[" not in value


@pytest.mark.parametrize("path", ["/audit/", "/"])
def test_the_audit_pages_show_sentences_and_keep_the_raw_record_one_click_away(
    tenants: Tenants, path: str
) -> None:
    scope = tenants.scope("pa", "provider_admin")
    services.audit_record(scope, action="api_token.created", data={"name": "ERP 同步", "prefix": "kf_ab12"})
    page = (
        tenants.client_for("pa", "provider_admin").get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "创建了 API 令牌 ERP 同步" in page
    assert "{&#x27;name&#x27;" not in page and "{'name'" not in page
    assert "<code>api_token.created</code>" not in page
    if path == "/audit/":
        assert '<details class="audit-raw small"><summary>原始记录</summary>' in page
        assert "&quot;action&quot;: &quot;api_token.created&quot;" in page
