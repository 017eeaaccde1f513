"""Quick phrase services: who may manage, shortcuts per owner, scoping, CSV import/export."""

from __future__ import annotations

import pytest
from django.utils import translation

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.knowledge import selectors, services
from kefu.knowledge.models import QuickPhrase
from kefu.testing.plugin import Tenants


def _phrase(tenants: Tenants, org: str = "pa", role: str = "supervisor", **kwargs: object) -> QuickPhrase:
    values = {
        "client_id": tenants.ca1.pk,
        "title": "退款",
        "body": "{customer_name}您好，已退款",
        "shortcut": "/tk",
    }
    values.update(kwargs)
    return services.quick_phrase_create(tenants.scope(org, role), **values)  # type: ignore[arg-type]


def test_supervisor_creates_for_a_served_client_and_agents_only_use(tenants: Tenants) -> None:
    phrase = _phrase(tenants)
    assert (phrase.provider_id, phrase.client_id, phrase.shortcut) == (tenants.pa.pk, tenants.ca1.pk, "tk")
    with pytest.raises(PermissionDenied):
        _phrase(tenants, role="agent", shortcut="x")
    agent = tenants.scope("pa", "agent")
    assert [p.pk for p in selectors.quick_phrase_list(agent, client_id=tenants.ca1.pk)] == [phrase.pk]
    assert services.quick_phrase_use(agent, phrase_ids=[phrase.pk, phrase.pk, 999999]) == 1
    phrase.refresh_from_db()
    assert phrase.usage_count == 1


def test_provider_needs_a_client_it_serves(tenants: Tenants) -> None:
    with pytest.raises(Invalid):  # serves two clients: it must choose
        _phrase(tenants, client_id=None)
    with pytest.raises(NotFound):  # not one it serves: the same 404 as reading it
        _phrase(tenants, client_id=tenants.cb.pk)
    assert QuickPhrase.all_tenants.count() == 0


def test_client_phrases_are_shared_with_the_provider_but_only_the_owner_edits(tenants: Tenants) -> None:
    own = _phrase(tenants, "ca1", "client_admin", client_id=None)
    assert own.provider_id is None and own.client_id == tenants.ca1.pk
    provider = tenants.scope("pa", "supervisor")
    assert selectors.quick_phrase_get(provider, phrase_id=own.pk).pk == own.pk
    with pytest.raises(PermissionDenied):
        services.quick_phrase_update(provider, phrase_id=own.pk, title="x", body="y")
    with pytest.raises(PermissionDenied):
        services.quick_phrase_delete(provider, phrase_id=own.pk)
    # the provider may use the same shortcut for its own version, which wins for its agents
    mine = _phrase(tenants, body="亲，{order_number}已退款")
    offered = selectors.quick_phrases_for_reply(tenants.scope("pa", "agent"), client_id=tenants.ca1.pk)
    assert [p.pk for p in offered] == [mine.pk]
    offered_to_client = selectors.quick_phrases_for_reply(
        tenants.scope("ca1", "client_l2"), client_id=tenants.ca1.pk
    )
    assert [p.pk for p in offered_to_client] == [own.pk]


def test_shortcuts_are_unique_per_owner_and_client(tenants: Tenants) -> None:
    first = _phrase(tenants)
    with pytest.raises(Conflict):
        _phrase(tenants, shortcut="TK")
    other_client = _phrase(tenants, client_id=tenants.ca2.pk)
    second = _phrase(tenants, shortcut="wl", title="物流")
    with pytest.raises(Conflict):
        services.quick_phrase_update(
            tenants.scope("pa", "supervisor"), phrase_id=second.pk, title="物流", body="x", shortcut="tk"
        )
    assert {first.client_id, other_client.client_id} == {tenants.ca1.pk, tenants.ca2.pk}


def test_other_tenants_phrases_are_not_found(tenants: Tenants) -> None:
    phrase = _phrase(tenants)
    for org, role in [("pb", "supervisor"), ("cb", "client_admin"), ("ca2", "client_admin")]:
        with pytest.raises(NotFound):
            selectors.quick_phrase_get(tenants.scope(org, role), phrase_id=phrase.pk)
        with pytest.raises(NotFound):
            services.quick_phrase_delete(tenants.scope(org, role), phrase_id=phrase.pk)
        assert services.quick_phrase_use(tenants.scope(org, role), phrase_ids=[phrase.pk]) == 0
    assert QuickPhrase.all_tenants.get().usage_count == 0


def test_validation_messages(tenants: Tenants) -> None:
    with pytest.raises(Invalid) as error:
        _phrase(tenants, shortcut="/t k")
    assert error.value.field == "shortcut"
    with pytest.raises(Invalid) as error:
        _phrase(tenants, body="  ")
    assert error.value.field == "body"


def test_search_matches_title_text_and_shortcut(tenants: Tenants) -> None:
    _phrase(tenants)
    _phrase(tenants, shortcut="wl", title="物流查询", body="正在为您查询物流")
    scope = tenants.scope("pa", "agent")
    assert [p.shortcut for p in selectors.quick_phrase_list(scope, search="物流")] == ["wl"]
    assert [p.shortcut for p in selectors.quick_phrase_list(scope, search="/t")] == ["tk"]
    assert [p.shortcut for p in selectors.quick_phrase_list(scope, search="已退款")] == ["tk"]


# --- CSV -------------------------------------------------------------------------------------
def test_csv_import_reports_every_bad_row_and_stores_nothing(tenants: Tenants) -> None:
    content = (
        "shortcut,title,body,category\n"
        "tk,退款,已为您退款,售后\n"
        "t k,坏快捷键,内容,\n"
        "wl,,没有标题,\n"
        "tk,重复,内容,\n"
        "hy,欢迎,,\n"
    ).encode()
    with translation.override("en"):
        result = services.quick_phrase_import_csv(
            tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, content=content
        )
    assert not result.ok and result.created == 0
    assert [line for line, _message in result.errors] == [3, 4, 5, 6]
    assert "shortcut" in result.errors[0][1] and "line 2" in result.errors[2][1]
    assert QuickPhrase.all_tenants.count() == 0


def test_csv_import_with_chinese_headers_gb18030_and_update_by_shortcut(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "supervisor")
    existing = _phrase(tenants)
    content = "快捷键,标题,内容,分类\n/tk,退款（新）,亲，已退款,售后\nwl,物流,正在查询,物流\n".encode(
        "gb18030"
    )
    result = services.quick_phrase_import_csv(scope, client_id=tenants.ca1.pk, content=content)
    assert (result.ok, result.created, result.updated) == (True, 1, 1)
    existing.refresh_from_db()
    assert existing.title == "退款（新）" and existing.category == "售后"


def test_csv_import_needs_the_columns(tenants: Tenants) -> None:
    with pytest.raises(Invalid) as error:
        services.quick_phrase_import_csv(
            tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, content=b"a,b\n1,2\n"
        )
    assert error.value.field == "file" and "title" in str(error.value.message)
    with pytest.raises(PermissionDenied):
        services.quick_phrase_import_csv(
            tenants.scope("pa", "agent"), client_id=tenants.ca1.pk, content=b"title,body\nx,y\n"
        )


def test_export_round_trips_and_guards_formulas(tenants: Tenants) -> None:
    _phrase(tenants, body='=HYPERLINK("http://x")')
    scope = tenants.scope("pa", "supervisor")
    text = selectors.quick_phrase_export_csv(scope, client_id=tenants.ca1.pk)
    assert "'=HYPERLINK" in text and text.startswith("shortcut,title,body,category")
    result = services.quick_phrase_import_csv(scope, client_id=tenants.ca1.pk, content=text.encode())
    assert (result.ok, result.created, result.updated) == (True, 0, 1)
    assert QuickPhrase.all_tenants.get().body == '=HYPERLINK("http://x")'
