"""Writes of quick phrases: create, update, delete, count a use, import from CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kefu.core.errors import Conflict, Invalid, PermissionDenied
from kefu.core.scope import Scope, new_row_keys
from kefu.knowledge import phrases, selectors
from kefu.knowledge.models import MAX_BODY_LENGTH, QuickPhrase
from kefu.knowledge.permissions import KnowledgePerm

MAX_IMPORT_ROWS = 2_000
MAX_IMPORT_BYTES = 2_000_000

CSV_COLUMNS = selectors.CSV_COLUMNS
#: Headers accepted on import, with the Chinese ones a spreadsheet may carry.
_HEADER_ALIASES = {
    "shortcut": "shortcut",
    "快捷键": "shortcut",
    "快捷方式": "shortcut",
    "title": "title",
    "标题": "title",
    "body": "body",
    "text": "body",
    "内容": "body",
    "话术": "body",
    "category": "category",
    "分类": "category",
    "类别": "category",
}


# --- helpers ---------------------------------------------------------------------------------
def _clean(title: str, body: str, shortcut: str, category: str) -> dict[str, str]:
    title = (title or "").strip()
    body = (body or "").strip()
    category = (category or "").strip()
    if not title:
        raise Invalid(_("Give the phrase a title."), field="title")
    if len(title) > 120:
        raise Invalid(_("At most %(length)d characters.") % {"length": 120}, field="title")
    if not body:
        raise Invalid(_("The text cannot be empty."), field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise Invalid(_("At most %(length)d characters.") % {"length": MAX_BODY_LENGTH}, field="body")
    if len(category) > 60:
        raise Invalid(_("At most %(length)d characters.") % {"length": 60}, field="category")
    try:
        shortcut = phrases.normalize_shortcut(shortcut or "")
    except ValueError:
        raise Invalid(
            _("A shortcut is 1 to 20 letters, digits, _ or -, like /tk."), field="shortcut"
        ) from None
    return {"title": title, "body": body, "shortcut": shortcut, "category": category}


def _shortcut_taken(
    scope: Scope, *, provider_id: int | None, client_id: int, shortcut: str, exclude_id: int | None = None
) -> bool:
    if not shortcut:
        return False
    queryset = selectors.quick_phrase_list(scope, client_id=client_id).filter(
        provider_id=provider_id, shortcut=shortcut
    )
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset.exists()


def _require_owner(scope: Scope, phrase: QuickPhrase) -> None:
    scope.require(KnowledgePerm.MANAGE_PHRASES)
    if not selectors.is_owned_by_actor(scope, phrase):
        raise PermissionDenied(_("Only the organisation that wrote this phrase can change it."))


# --- writes ----------------------------------------------------------------------------------
@transaction.atomic
def quick_phrase_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    title: str,
    body: str,
    shortcut: str = "",
    category: str = "",
) -> QuickPhrase:
    scope.require(KnowledgePerm.MANAGE_PHRASES)
    provider_id, client = new_row_keys(scope, client_id=client_id)
    values = _clean(title, body, shortcut, category)
    if _shortcut_taken(scope, provider_id=provider_id, client_id=client, shortcut=values["shortcut"]):
        raise Conflict(
            _("The shortcut /%(shortcut)s is already used for this client.")
            % {"shortcut": values["shortcut"]},
            field="shortcut",
        )
    return QuickPhrase.objects.create(
        provider_id=provider_id, client_id=client, created_by_id=scope.user_id, **values
    )


@transaction.atomic
def quick_phrase_update(
    scope: Scope,
    *,
    phrase_id: int,
    title: str,
    body: str,
    shortcut: str = "",
    category: str = "",
) -> QuickPhrase:
    phrase = selectors.quick_phrase_get(scope, phrase_id=phrase_id, for_update=True)
    _require_owner(scope, phrase)
    values = _clean(title, body, shortcut, category)
    if _shortcut_taken(
        scope,
        provider_id=phrase.provider_id,
        client_id=phrase.client_id,
        shortcut=values["shortcut"],
        exclude_id=phrase.pk,
    ):
        raise Conflict(
            _("The shortcut /%(shortcut)s is already used for this client.")
            % {"shortcut": values["shortcut"]},
            field="shortcut",
        )
    for name, value in values.items():
        setattr(phrase, name, value)
    phrase.save(update_fields=[*values, "updated_at"])
    return phrase


@transaction.atomic
def quick_phrase_delete(scope: Scope, *, phrase_id: int) -> None:
    phrase = selectors.quick_phrase_get(scope, phrase_id=phrase_id, for_update=True)
    _require_owner(scope, phrase)
    phrase.delete()


def quick_phrase_use(scope: Scope, *, phrase_ids: list[int]) -> int:
    """Count that the phrases were sent (most used come first in the picker); unknown ids are skipped."""
    if not phrase_ids or not scope.has(KnowledgePerm.VIEW_PHRASES):
        return 0
    return (
        selectors.quick_phrase_list(scope)
        .filter(pk__in=list(dict.fromkeys(phrase_ids))[:20])
        .update(usage_count=F("usage_count") + 1)
    )


# --- CSV -------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    planned: list[tuple[int, dict[str, str], bool]] = field(default_factory=list)  # line, values, updates
    stored: bool = False  # False for a preview, or when an error stopped an all-or-nothing import

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid(_("The file is not UTF-8 or GB18030 text."), field="file")


def _read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise Invalid(_("The file is empty."), field="file")
    columns = [_HEADER_ALIASES.get(h.strip().casefold(), "") for h in header]
    missing = [c for c in ("title", "body") if c not in columns]
    if missing:
        raise Invalid(
            _("The first line must name the columns; missing: %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ", ".join(CSV_COLUMNS)},
            field="file",
        )
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        row = {name: _unquote(value) for name, value in zip(columns, values, strict=False) if name}
        rows.append((reader.line_num, row))
        if len(rows) > MAX_IMPORT_ROWS:
            raise Invalid(_("At most %(count)d phrases per file.") % {"count": MAX_IMPORT_ROWS}, field="file")
    return rows


def _unquote(cell: str) -> str:
    """Undo the export's formula guard (`'=x` → `=x`)."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") else cell


@transaction.atomic
def quick_phrase_import_csv(scope: Scope, *, client_id: int | None = None, content: bytes) -> ImportResult:
    """Create phrases from CSV (columns shortcut, title, body, category; Chinese headers work).

    A row whose shortcut the importing organisation already uses updates that phrase, so an
    export can be edited and imported again. All or nothing: when any row is wrong, nothing
    is stored and every wrong row is reported with its line number.
    """
    return quick_phrase_import(scope, client_id=client_id, content=content, filename="phrases.csv")


def _read_xlsx(content: bytes) -> str:
    """The first sheet of an Excel workbook as CSV text, so both formats share one reader."""
    import openpyxl  # only on this path: it takes a while to import

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a broken file
        raise Invalid(_("The file is not an Excel workbook (.xlsx)."), field="file") from None
    out = io.StringIO()
    writer = csv.writer(out)
    for row in book.worksheets[0].iter_rows(values_only=True):
        writer.writerow(["" if v is None else str(v) for v in row])
    book.close()
    return out.getvalue()


@transaction.atomic
def quick_phrase_import(
    scope: Scope,
    *,
    client_id: int | None = None,
    content: bytes,
    filename: str,
    skip_bad_rows: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Create or update phrases from a CSV or Excel (.xlsx, first sheet) file, the same columns.

    All or nothing unless `skip_bad_rows`: then the good rows are stored and the wrong ones
    reported. `dry_run` stores nothing and returns what would happen (`planned`), for a preview.
    """
    scope.require(KnowledgePerm.MANAGE_PHRASES)
    provider_id, client = new_row_keys(scope, client_id=client_id)
    if len(content) > MAX_IMPORT_BYTES:
        raise Invalid(_("The file is too large (at most 2 MB)."), field="file")
    text = _read_xlsx(content) if filename.lower().endswith(".xlsx") else _decode(content)
    result = ImportResult()
    existing = {
        p.shortcut: p
        for p in selectors.quick_phrase_list(scope, client_id=client).filter(provider_id=provider_id)
        if p.shortcut
    }
    seen: dict[str, int] = {}
    planned: list[tuple[QuickPhrase | None, dict[str, str]]] = []
    for line, row in _read_rows(text):
        try:
            values = _clean(
                row.get("title", ""), row.get("body", ""), row.get("shortcut", ""), row.get("category", "")
            )
        except Invalid as exc:
            result.errors.append((line, f"{_field_label(exc.field)}: {exc.message}"))
            continue
        shortcut = values["shortcut"]
        if shortcut and shortcut in seen:
            result.errors.append(
                (
                    line,
                    f"{_field_label('shortcut')}: "
                    + _("The shortcut /%(shortcut)s is also on line %(line)d.")
                    % {"shortcut": shortcut, "line": seen[shortcut]},
                )
            )
            continue
        if shortcut:
            seen[shortcut] = line
        phrase = existing.get(shortcut) if shortcut else None
        planned.append((phrase, values))
        result.planned.append((line, values, phrase is not None))
    if dry_run or (result.errors and not skip_bad_rows):
        return result
    for phrase, values in planned:
        if phrase is None:
            QuickPhrase.objects.create(
                provider_id=provider_id, client_id=client, created_by_id=scope.user_id, **values
            )
            result.created += 1
        else:
            for name, value in values.items():
                setattr(phrase, name, value)
            phrase.save(update_fields=[*values, "updated_at"])
            result.updated += 1
    result.stored = True
    return result


def _field_label(name: str | None) -> str:
    labels: dict[str | None, Any] = {
        "title": _("title"),
        "body": _("text"),
        "shortcut": _("shortcut"),
        "category": _("category"),
    }
    return str(labels.get(name, name or ""))
