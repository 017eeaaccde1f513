"""The zh-Hans catalog is complete, compiled from the current .po, and keeps every placeholder.

Zh-Hans is the default UI language, so an untranslated or fuzzy entry shows English to users, a
.mo compiled from an older .po shows stale text, and a lost placeholder breaks `%` formatting.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.utils import translation

import kefu

PO_PATH = Path(kefu.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO_PATH = Path(kefu.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"

# %(name)s, %s, %5.2f, %% (python-format); {name} or {} (brace placeholders).
PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
BRACE = re.compile(r"\{\w*\}")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        return f"django.po:{self.line} {self.msgid!r}"


def _unquote(text: str) -> str:
    return ast.literal_eval(text)  # a PO string is a C string; Python reads its escapes


@cache
def entries(path: Path = PO_PATH) -> tuple[Entry, ...]:
    """The live (not obsolete) entries of the .po (zh-Hans unless told), header excluded."""
    found: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    flags: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target, flags = None, None, set()
        elif line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue  # comments, references, previous msgids (#|) and obsolete entries (#~)
        elif line.startswith('"'):
            assert current is not None and target is not None, f"django.po:{number}: stray string"
            _append(current, target, _unquote(line))
        else:
            keyword, _, value = line.partition(" ")
            starts = keyword in {"msgctxt", "msgid"} and target is not None and target[0] == "msgstr"
            if current is None or starts:
                current = Entry(line=number, flags=flags)
                found.append(current)
                flags = set()
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            target = ("msgstr", int(match.group(1))) if match else (keyword, 0)
            _append(current, target, _unquote(value))
    return tuple(e for e in found if e.msgid)


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    elif name == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    elif name == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    else:
        assert name == "msgid", f"unknown keyword {name}"
        entry.msgid += text


def _placeholders(text: str, entry: Entry) -> Counter[str]:
    found = Counter(BRACE.findall(text))
    if "python-format" in entry.flags:
        found.update(PERCENT.findall(text))
    return found


def test_the_parser_reads_the_catalog() -> None:
    assert len(entries()) > 100
    plural = [e for e in entries() if e.msgid_plural]
    assert plural and all(set(e.msgstr) == {0} for e in plural), "zh has one plural form"


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    fuzzy = [str(e) for e in entries() if "fuzzy" in e.flags]
    empty = [str(e) for e in entries() if not e.msgstr or not all(e.msgstr.values())]
    assert not fuzzy, f"fuzzy entries (translate them, drop the flag): {fuzzy}"
    assert not empty, f"untranslated entries: {empty}"


def test_the_english_catalog_has_no_fuzzy_entry_and_keeps_its_header() -> None:
    """English is the msgids' own language: an empty msgstr shows the msgid, but a fuzzy entry
    is a guess from another message (msgfmt drops it, yet the next edit may trust it), and the
    header carries the plural rule."""
    fuzzy = [str(e) for e in entries(EN_PO_PATH) if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries in en.po (translate them, drop the flag): {fuzzy}"
    header = EN_PO_PATH.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header and '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in header
    wrong = [
        f"{e} -> {msgstr!r}"
        for e in entries(EN_PO_PATH)
        for index, msgstr in e.msgstr.items()
        if msgstr and _placeholders(msgstr, e) != _placeholders(e.msgid_plural if index else e.msgid, e)
    ]
    assert not wrong, "placeholders differ in en.po:\n" + "\n".join(wrong)


def test_placeholders_survive_translation() -> None:
    broken = []
    for entry in entries():
        for msgstr in entry.msgstr.values():
            wanted = _placeholders(entry.msgid, entry)
            if entry.msgid_plural:  # "1 item" may drop the count the plural form shows
                wanted |= _placeholders(entry.msgid_plural, entry)
            if _placeholders(msgstr, entry) != wanted:
                broken.append(f"{entry} -> {msgstr!r}")
    assert not broken, "placeholders differ:\n" + "\n".join(broken)


def test_the_compiled_catalog_matches_the_po() -> None:
    """Django serves each msgstr of the .po, so the .mo was compiled from this .po."""
    stale = []
    with translation.override("zh-hans"):
        for entry in entries():
            if entry.msgid_plural:
                got = [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt
                    else translation.ngettext(entry.msgid, entry.msgid_plural, n)
                    for n in (1, 5)
                ]
                expected = [entry.msgstr[0]] * 2
            else:
                got = [
                    translation.pgettext(entry.msgctxt, entry.msgid)
                    if entry.msgctxt
                    else translation.gettext(entry.msgid)
                ]
                expected = [entry.msgstr[0]]
            if got != expected:
                stale.append(f"{entry}: {got[0]!r} != {expected[0]!r}")
    assert not stale, "run `kefu compilemessages` under src/kefu:\n" + "\n".join(stale)
