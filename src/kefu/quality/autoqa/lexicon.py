"""The shipped lexicons (files beside this module) and the automata built from them. Pure.

The version of auto-QA is the code's edition plus a digest of these files, so editing a list
re-inspects recent conversations without anybody remembering to bump a number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from kefu.quality.autoqa.text import Automaton

CODE_EDITION = "1"
LEXICON_DIR = Path(__file__).with_name("lexicons")
FILES = (
    "greeting", "closing", "politeness", "empathy", "rude", "promises", "sentiment", "question",
)  # fmt: skip


def read_lexicon(name: str) -> list[tuple[str, str]]:
    """(phrase, value) pairs of one file; value "" when the line has none."""
    entries = []
    for line in (LEXICON_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        phrase, _tab, value = line.partition("\t")
        entries.append((phrase.strip(), value.strip()))
    return entries


@cache
def lexicon_digest() -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((LEXICON_DIR / f"{name}.txt").read_bytes())
    return digest.hexdigest()[:8]


def version(rules_revision: int) -> str:
    """`<code edition>.<lexicon digest>.r<client rules revision>`: a result with another
    version was made by other rules and is inspected again."""
    return f"{CODE_EDITION}.{lexicon_digest()}.r{rules_revision}"


@dataclass(frozen=True, slots=True)
class Shipped:
    """Automata over the shipped lists; payloads are (list name, value)."""

    markers: Automaton  # greeting, closing, politeness, empathy, question words
    forbidden: Automaton  # rude words and promises every client forbids
    sentiment: Automaton


@cache
def shipped() -> Shipped:
    markers = [
        (phrase, (name, value))
        for name in ("greeting", "closing", "politeness", "empathy")
        for phrase, value in read_lexicon(name)
    ]
    for phrase, _value in read_lexicon("question"):
        if phrase.startswith("!"):
            markers.append((phrase[1:], ("not_question", "")))
        else:
            markers.append((phrase, ("question", "")))
    forbidden = [(p, ("forbidden_word", v)) for p, v in read_lexicon("rude")]
    forbidden += [(p, ("forbidden_promise", v)) for p, v in read_lexicon("promises")]
    sentiment = [(p, ("sentiment", v)) for p, v in read_lexicon("sentiment")]
    return Shipped(Automaton(markers), Automaton(forbidden), Automaton(sentiment))


@lru_cache(maxsize=256)
def client_automaton(words: tuple[str, ...], promises: tuple[str, ...]) -> Automaton:
    """A client's own forbidden words and promises (always critical); cached per edition of them."""
    entries = [(w, ("forbidden_word", "critical")) for w in words]
    entries += [(p, ("forbidden_promise", "critical")) for p in promises]
    return Automaton(entries)
