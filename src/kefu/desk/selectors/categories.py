"""A client's category tree: nodes, lookups by path, and the choices the workspace offers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk.models import Category, Conversation
from kefu.desk.permissions import DeskPerm
from kefu.desk.selectors._common import _client_visible


def category_list(
    scope: Scope, *, client_id: int | None = None, active_only: bool = False
) -> QuerySet[Category]:
    """A client's category nodes, in tree order (by path)."""
    scope.require(DeskPerm.VIEW)
    _client_visible(scope, client_id)
    queryset = Category.objects.for_scope(scope)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    if active_only:
        queryset = queryset.filter(active=True)
    return queryset.order_by("client_id", "path", "id")


def category_get(scope: Scope, *, category_id: int, for_update: bool = False) -> Category:
    return one_of(category_list(scope), pk=category_id, for_update=for_update)


def category_tree_exists(client_id: int | None) -> bool:
    """Whether the client keeps a category tree (then resolving needs one of its leaves).

    Unscoped: asked about the client of a conversation the caller already holds."""
    return client_id is not None and Category.all_tenants.filter(client_id=client_id, active=True).exists()


def category_by_path(client_id: int | None, path: str) -> Category | None:
    """The active node with this path ("物流/催发货", spaces around "/" ignored)."""
    clean = "/".join(part.strip() for part in path.split("/") if part.strip())
    return Category.all_tenants.filter(client_id=client_id, path=clean, active=True).first()


def category_has_children(node: Category, *, active_only: bool = True) -> bool:
    children = node.children.all()
    return (children.filter(active=True) if active_only else children).exists()


def category_in_use(node: Category) -> bool:
    return Conversation.all_tenants.filter(client_id=node.client_id, category_node=node).exists()


@dataclass(frozen=True)
class CategoryChoice:
    id: int
    path: str
    depth: int
    leaf: bool


def tree_order(rows: list[Category]) -> list[Category]:
    """Nodes in the order the client set: each level by its `position`, then name, children
    right under their parent. The one ordering every page and the API use."""
    by_id = {r.pk: r for r in rows}

    def key(row: Category) -> tuple[tuple[int, str, int], ...]:
        chain = []
        node: Category | None = row
        while node is not None:
            chain.append((node.position, node.name, node.pk))
            node = by_id.get(node.parent_id) if node.parent_id else None  # type: ignore[arg-type]
        return ((row.client_id or 0, "", 0), *reversed(chain))

    return sorted(rows, key=key)


def category_tree(scope: Scope, *, client_id: int | None, active_only: bool = False) -> list[Category]:
    """A client's category nodes in tree order (`tree_order`)."""
    return tree_order(list(category_list(scope, client_id=client_id, active_only=active_only)))


def category_choices(scope: Scope, *, client_id: int) -> list[CategoryChoice]:
    """The active tree in order, leaves marked (only leaves can be chosen when resolving)."""
    rows = list(category_list(scope, client_id=client_id, active_only=True))
    parents = {r.parent_id for r in rows}
    by_id = {r.pk: r for r in rows}
    visible = [
        r for r in rows if r.parent_id is None or r.parent_id in by_id
    ]  # under retired parents: hidden
    return [
        CategoryChoice(id=r.pk, path=r.path, depth=r.depth, leaf=r.pk not in parents)
        for r in tree_order(visible)
    ]
