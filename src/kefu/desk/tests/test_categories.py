"""A client's category tree (问题分类): at most three levels, unique names among siblings;
once a client has one, resolving needs one of its active leaves."""

from __future__ import annotations

import re

import pytest

from kefu.analytics import selectors as analytics_selectors
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import selectors, services
from kefu.desk.models import Conversation
from kefu.desk.tests.test_api import Api
from kefu.testing.plugin import Tenants

TREE = ["售前咨询/商品咨询", "物流/催发货", "物流/查件", "退款"]


@pytest.fixture
def tree(tenants: Tenants) -> dict[str, int]:
    services.category_tree_ensure(tenants.scope("ca1", "client_admin"), paths=TREE)
    return {c.path: c.pk for c in selectors.category_list(tenants.scope("ca1", "client_admin"))}


def test_tree_shape_rules(tenants: Tenants, tree: dict[str, int]) -> None:
    admin = tenants.scope("ca1", "client_admin")
    assert sorted(tree) == ["售前咨询", "售前咨询/商品咨询", "物流", "物流/催发货", "物流/查件", "退款"]
    third = services.category_create(admin, name="超时未发", parent_id=tree["物流/催发货"])
    assert (third.path, third.depth) == ("物流/催发货/超时未发", 3)
    with pytest.raises(Invalid) as caught:
        services.category_create(admin, name="第四层", parent_id=third.pk)
    assert caught.value.field == "parent_id"
    with pytest.raises(Conflict):
        services.category_create(admin, name="查件", parent_id=tree["物流"])
    with pytest.raises(Conflict):
        services.category_create(admin, name="退款")
    with pytest.raises(Invalid):
        services.category_create(admin, name="a/b")
    services.category_create(admin, name="查件", parent_id=tree["售前咨询"])  # same name, other parent: fine

    with pytest.raises(PermissionDenied):
        services.category_create(tenants.scope("pa", "provider_admin"), client_id=tenants.ca1.pk, name="x")
    with pytest.raises(NotFound):
        services.category_create(tenants.scope("cb", "client_admin"), name="x", parent_id=tree["物流"])
    assert not selectors.category_list(tenants.scope("pb", "supervisor")).exists()


def test_rename_moves_paths_below_and_history_keeps_its_text(
    tenants: Tenants, tree: dict[str, int], conversation: Conversation
) -> None:
    agent = tenants.scope("pa", "agent")
    services.conversation_set_status(
        agent, conversation_id=conversation.pk, status="resolved", category_id=tree["物流/查件"]
    )
    services.category_update(tenants.scope("ca1", "client_admin"), category_id=tree["物流"], name="物流配送")
    paths = {c.pk: c.path for c in selectors.category_list(agent, client_id=tenants.ca1.pk)}
    assert paths[tree["物流/查件"]] == "物流配送/查件"
    conversation.refresh_from_db()
    assert (conversation.category, conversation.category_node_id) == ("物流/查件", tree["物流/查件"])
    event = analytics_selectors.contact_event_list(agent, conversation_id=conversation.pk).get(
        type="resolved"
    )
    assert event.data["category"] == "物流/查件"

    with pytest.raises(Conflict):  # used by a conversation: retire instead
        services.category_delete(tenants.scope("ca1", "client_admin"), category_id=tree["物流/查件"])
    with pytest.raises(Conflict):  # has children
        services.category_delete(tenants.scope("ca1", "client_admin"), category_id=tree["售前咨询"])
    services.category_delete(tenants.scope("ca1", "client_admin"), category_id=tree["退款"])
    assert tree["退款"] not in {c.pk for c in selectors.category_list(agent)}


def test_resolving_needs_an_active_leaf_once_the_client_has_a_tree(
    tenants: Tenants, tree: dict[str, int], conversation: Conversation, in_english: None
) -> None:
    agent = tenants.scope("pa", "agent")
    with pytest.raises(Invalid) as caught:
        services.conversation_set_status(
            agent, conversation_id=conversation.pk, status="resolved", category="随便写"
        )
    assert str(caught.value.message) == "Choose a category from the client's category tree."
    with pytest.raises(Invalid) as caught:  # a branch, not a leaf
        services.conversation_set_status(
            agent, conversation_id=conversation.pk, status="resolved", category_id=tree["物流"]
        )
    assert "leaf" in str(caught.value.message)
    with pytest.raises(Invalid) as caught:  # the tree exists: no category at all is refused
        services.conversation_set_status(agent, conversation_id=conversation.pk, status="resolved")
    assert str(caught.value.message) == "Choose a category from the client's category tree before resolving."
    other_client = services.category_tree_ensure(tenants.scope("ca2", "client_admin"), paths=["其他"])[0]
    with pytest.raises(Invalid):
        services.conversation_set_status(
            agent, conversation_id=conversation.pk, status="resolved", category_id=other_client.pk
        )
    services.category_update(
        tenants.scope("ca1", "client_admin"), category_id=tree["退款"], name="退款", active=False
    )
    with pytest.raises(Invalid):
        services.conversation_set_status(
            agent, conversation_id=conversation.pk, status="resolved", category_id=tree["退款"]
        )

    # a path of the tree as text works too (API callers, imports)
    services.conversation_set_status(
        agent, conversation_id=conversation.pk, status="resolved", category=" 物流 / 催发货 "
    )
    conversation.refresh_from_db()
    assert (conversation.status, conversation.category, conversation.category_node_id) == (
        "resolved",
        "物流/催发货",
        tree["物流/催发货"],
    )


def test_clients_without_a_tree_keep_free_text(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    conversation = services.conversation_create(agent, channel="chat", client_id=tenants.ca2.pk, message="hi")
    services.conversation_set_status(
        agent, conversation_id=conversation.pk, status="resolved", category="随便写"
    )
    conversation.refresh_from_db()
    assert (conversation.category, conversation.category_node_id) == ("随便写", None)


def test_api_and_workspace_picker(tenants: Tenants, tree: dict[str, int], conversation: Conversation) -> None:
    admin = Api(tenants, "ca1", "client_admin")
    created = admin.post("/api/categories", {"name": "发票", "parent_id": None})
    assert created.status_code == 201 and created.json()["path"] == "发票"
    child = admin.post("/api/categories", {"name": "专票", "parent_id": created.json()["id"]})
    assert (child.json()["path"], child.json()["depth"]) == ("发票/专票", 2)
    listed = Api(tenants, "pa", "agent").get("/api/categories", client_id=tenants.ca1.pk).json()
    # the client's order: roots by position (a new one goes last), children under their parent
    assert [c["path"] for c in listed][:2] == ["售前咨询", "售前咨询/商品咨询"]
    assert [c["path"] for c in listed][-2:] == ["发票", "发票/专票"]
    assert Api(tenants, "pb", "agent").get(f"/api/categories/{tree['退款']}").status_code == 404

    page = tenants.client_for("pa", "agent").get(f"/desk/c/{conversation.pk}/").content.decode()
    assert 'id="category-select"' in page
    assert f'<option value="{tree["物流"]}" disabled' in page
    assert re.search(rf'<option value="{tree["物流/催发货"]}"\s*>物流/催发货<', page)  # a leaf: choosable

    resolved = tenants.client_for("pa", "agent").post(
        f"/desk/c/{conversation.pk}/status/",
        {"status": "resolved", "category_id": tree["物流/催发货"], "resolution_code": "answered"},
        HTTP_HX_REQUEST="true",
    )
    assert resolved.status_code == 200
    conversation.refresh_from_db()
    assert (conversation.status, conversation.category_node_id) == ("resolved", tree["物流/催发货"])
    assert (
        Api(tenants, "pa", "agent").get(f"/api/conversations/{conversation.pk}").json()["category_id"]
        == tree["物流/催发货"]
    )


def test_settings_page_adds_categories(tenants: Tenants, tree: dict[str, int]) -> None:
    admin = tenants.client_for("ca1", "client_admin")
    response = admin.post(
        "/desk/settings/",
        {
            "action": "add_category",
            "client": tenants.ca1.pk,
            "name": "破损丢件",
            "parent_id": tree["物流"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert "物流/破损丢件" in {c.path for c in selectors.category_list(tenants.scope("ca1", "client_admin"))}
    duplicate = admin.post(
        "/desk/settings/",
        {"action": "add_category", "client": tenants.ca1.pk, "name": "破损丢件", "parent_id": tree["物流"]},
    )
    assert duplicate.status_code == 409
    page = (
        tenants.client_for("pa", "supervisor")
        .get(f"/desk/settings/?client={tenants.ca1.pk}")
        .content.decode()
    )
    assert "破损丢件" in page and 'id="add-category"' not in page


def test_the_order_set_by_the_client_holds_on_every_page(
    tenants: Tenants, tree: dict[str, int], conversation: Conversation
) -> None:
    admin = tenants.scope("ca1", "client_admin")
    for path, position in (("退款", 0), ("售前咨询", 9), ("物流", 5), ("物流/查件", 0), ("物流/催发货", 1)):
        services.category_update(admin, category_id=tree[path], name=path.split("/")[-1], position=position)
    expected = ["退款", "物流", "物流/查件", "物流/催发货", "售前咨询", "售前咨询/商品咨询"]

    settings = tenants.client_for("ca1", "client_admin").get("/desk/settings/").content.decode()
    shown = [int(i) for i in re.findall(r'data-category-id="(\d+)"', settings)]
    assert shown == [tree[p] for p in expected]
    picker = tenants.client_for("pa", "agent").get(f"/desk/c/{conversation.pk}/").content.decode()
    select = picker.split('id="category-select"')[1].split("</select>")[0]
    offered = [int(i) for i in re.findall(r'<option value="(\d+)"', select)]
    assert offered == [tree[p] for p in expected]
    listed = Api(tenants, "pa", "agent").get("/api/categories", client_id=tenants.ca1.pk).json()
    assert [c["path"] for c in listed] == expected
