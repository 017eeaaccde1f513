"""Reads of quick phrases; always through the scope (others' phrases are 404)."""

from __future__ import annotations

import csv
import io

from django.db.models import Q, QuerySet

from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.knowledge.models import QuickPhrase
from kefu.knowledge.permissions import KnowledgePerm

#: The most phrases offered in one reply box (the picker and the `/` expansion).
MAX_PHRASES_FOR_REPLY = 500

#: CSV columns of import and export.
CSV_COLUMNS = ("shortcut", "title", "body", "category")


def quick_phrase_list(
    scope: Scope, *, client_id: int | None = None, search: str = "", category: str = ""
) -> QuerySet[QuickPhrase]:
    """Phrases the actor may use; `search` matches title, text, shortcut and category."""
    scope.require(KnowledgePerm.VIEW_PHRASES)
    queryset = QuickPhrase.objects.for_scope(scope).select_related("client", "provider")
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    if category:
        queryset = queryset.filter(category=category)
    search = search.strip()
    if search:
        shortcut = search.lstrip("/").casefold()
        queryset = queryset.filter(
            Q(title__icontains=search)
            | Q(body__icontains=search)
            | Q(category__icontains=search)
            | Q(shortcut__startswith=shortcut)
        )
    return queryset


def quick_phrase_get(scope: Scope, *, phrase_id: int, for_update: bool = False) -> QuickPhrase:
    return one_of(quick_phrase_list(scope), pk=phrase_id, for_update=for_update)


def quick_phrase_categories(scope: Scope, *, client_id: int | None = None) -> list[str]:
    queryset = quick_phrase_list(scope, client_id=client_id).exclude(category="")
    return sorted(set(queryset.values_list("category", flat=True)))


def is_owned_by_actor(scope: Scope, phrase: QuickPhrase) -> bool:
    """The actor's organisation wrote it: providers own theirs, clients those without a provider."""
    if scope.all_tenants:
        return True
    if scope.is_provider:
        return phrase.provider_id == scope.organization_id
    if scope.is_client:
        return phrase.provider_id is None and phrase.client_id == scope.organization_id
    return False


def quick_phrases_for_reply(scope: Scope, *, client_id: int) -> list[QuickPhrase]:
    """The phrases offered when answering for one client, one per shortcut.

    When the client and the provider both define a shortcut, the actor's own
    organisation's phrase wins. Most used first, then by shortcut.
    """
    if not scope.has(KnowledgePerm.VIEW_PHRASES):
        return []
    rows = list(quick_phrase_list(scope, client_id=client_id).order_by("-usage_count", "shortcut", "id"))
    rows = rows[:MAX_PHRASES_FOR_REPLY]
    chosen: dict[str, QuickPhrase] = {}
    result: list[QuickPhrase] = []
    for phrase in rows:
        if not phrase.shortcut:
            result.append(phrase)
            continue
        current = chosen.get(phrase.shortcut)
        if current is None or (is_owned_by_actor(scope, phrase) and not is_owned_by_actor(scope, current)):
            chosen[phrase.shortcut] = phrase
    result.extend(chosen.values())
    order = {id(p): i for i, p in enumerate(rows)}
    return sorted(result, key=lambda p: order[id(p)])


def quick_phrase_export_csv(scope: Scope, *, client_id: int | None = None) -> str:
    """The phrases the actor sees (for one client), as CSV text with the import's columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, "client", "owner"])
    for phrase in quick_phrase_list(scope, client_id=client_id):
        owner = phrase.provider.name if phrase.provider_id else phrase.client.name
        cells = [phrase.shortcut, phrase.title, phrase.body, phrase.category, phrase.client.name, owner]
        writer.writerow([csv_safe(cell) for cell in cells])
    return out.getvalue()


def csv_safe(cell: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a leading ' keeps them text
    (the import removes it again)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell
