"""A client's category tree (问题分类): resolving needs one of its leaves once a client has one."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import MAX_CATEGORY_DEPTH, Category
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _settings_client, _text
from kefu.tenancy import services as tenancy_services


def _category_name(name: str) -> str:
    name = _text(name, "name", 40)
    if not name:
        raise Invalid(_("Name the category."), field="name")
    if "/" in name:
        raise Invalid(_("A category name cannot contain “/”."), field="name")
    return name


def _unique_sibling(
    scope: Scope, client_id: int, parent_id: int | None, name: str, exclude: int | None = None
) -> None:
    siblings = selectors.category_list(scope, client_id=client_id).filter(parent_id=parent_id, name=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        raise Conflict(_("A category with this name already exists at this level."), field="name")


@transaction.atomic
def category_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    name: str,
    parent_id: int | None = None,
    code: str = "",
    position: int | None = None,
    active: bool = True,
) -> Category:
    """A node of the client's category tree (at most MAX_CATEGORY_DEPTH levels). Once a client
    has a tree, resolving its conversations needs one of its leaves."""
    client = _settings_client(scope, client_id)
    name = _category_name(name)
    parent = None
    if parent_id is not None:
        parent = selectors.category_get(scope, category_id=parent_id)
        if parent.client_id != client:
            raise Invalid(_("The parent category belongs to another client."), field="parent_id")
        if parent.depth >= MAX_CATEGORY_DEPTH:
            raise Invalid(
                _("Categories go at most %(depth)d levels deep.") % {"depth": MAX_CATEGORY_DEPTH},
                field="parent_id",
            )
    _unique_sibling(scope, client, parent_id, name)
    if position is None:
        position = selectors.category_list(scope, client_id=client).filter(parent_id=parent_id).count()
    row = Category.objects.create(
        provider_id=None,
        client_id=client,
        parent=parent,
        name=name,
        code=_text(code, "code", 40),
        path=f"{parent.path}/{name}" if parent else name,
        depth=parent.depth + 1 if parent else 1,
        position=max(0, position),
        active=active,
    )
    tenancy_services.audit_record(scope, action="desk.category_create", target=row, client_id=client)
    return row


def _repath(node: Category) -> None:
    for child in node.children.all():
        child.path = f"{node.path}/{child.name}"
        child.save(update_fields=["path", "updated_at"])
        _repath(child)


@transaction.atomic
def category_update(
    scope: Scope,
    *,
    category_id: int,
    name: str,
    code: str = "",
    position: int | None = None,
    active: bool = True,
) -> Category:
    """Rename (paths below follow; resolved conversations keep the path they had), reorder or
    retire a category (inactive ones are not offered any more)."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    row = selectors.category_get(scope, category_id=category_id, for_update=True)
    _settings_client(scope, row.client_id)
    name = _category_name(name)
    _unique_sibling(scope, row.client_id, row.parent_id, name, exclude=row.pk)  # type: ignore[arg-type]
    renamed = name != row.name
    row.name, row.code, row.active = name, _text(code, "code", 40), active
    if position is not None:
        row.position = max(0, position)
    if renamed:
        row.path = f"{row.parent.path}/{name}" if row.parent_id else name
    row.save()
    if renamed:
        _repath(row)
    tenancy_services.audit_record(
        scope, action="desk.category_update", target=row, client_id=row.client_id, data={"path": row.path}
    )
    return row


@transaction.atomic
def category_delete(scope: Scope, *, category_id: int) -> None:
    """Delete an unused leaf; a category with children or conversations can only be retired."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    row = selectors.category_get(scope, category_id=category_id, for_update=True)
    _settings_client(scope, row.client_id)
    if selectors.category_has_children(row, active_only=False) or selectors.category_in_use(row):
        raise Conflict(_("This category has subcategories or conversations; make it inactive instead."))
    tenancy_services.audit_record(
        scope, action="desk.category_delete", target=row, client_id=row.client_id, data={"path": row.path}
    )
    row.delete()


@transaction.atomic
def category_tree_ensure(scope: Scope, *, client_id: int | None = None, paths: list[str]) -> list[Category]:
    """Create the nodes of `paths` ("物流/催发货") that do not exist yet; returns the leaves
    named, in order. Handy for imports, the demo and tests."""
    client = _settings_client(scope, client_id)
    known = {c.path: c for c in selectors.category_list(scope, client_id=client)}
    leaves = []
    for path in paths:
        parts = [p.strip() for p in path.split("/") if p.strip()]
        if not parts:
            continue
        parent: Category | None = None
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            node = known.get(prefix)
            if node is None:
                node = category_create(
                    scope, client_id=client, name=parts[depth - 1], parent_id=parent.pk if parent else None
                )
                known[prefix] = node
            parent = node
        leaves.append(parent)  # type: ignore[arg-type]
    return leaves  # type: ignore[return-value]
