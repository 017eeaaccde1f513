"""Cleaning and multi-pattern matching on raw text (no segmentation). Pure: no Django.

Matching runs on *cleaned* text: full-width forms folded (NFKC), lower case, and the fillers
people put inside a word to dodge a filter ("傻 逼", "傻*逼") removed. Segmenting first would
split abusive compounds, and a word list needs no model (docs/quality-autoqa.md). Each cleaned
character remembers its offset in the original, so evidence points at what the agent typed.

The matcher is a small Aho–Corasick automaton of our own rather than pyahocorasick: the lexicons
are a few hundred phrases, a pure-Python automaton inspects far more than the 280 conversations
per second the benchmark asks for (bench/autoqa.py), and a C extension is one more wheel to pin.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Characters dropped before matching: spaces and the fillers used to break a word up. Chinese
# sentence punctuation stays: it separates clauses the sentiment and question checks read.
FILLERS = frozenset(" \t\r\n\u3000*_-.·•~～'\"`^|/\\")


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).lower()


@dataclass(frozen=True, slots=True)
class Cleaned:
    text: str
    offsets: tuple[int, ...]  # offsets[i]: index in the original of cleaned character i
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of cleaned characters [start, end)."""
        if start >= end:
            return (0, 0)
        last = self.offsets[end - 1] + 1
        return (self.offsets[start], min(last, self.original_length))


def clean(text: str) -> Cleaned:
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch in FILLERS:
            continue
        for folded in _fold(ch):
            if folded in FILLERS:
                continue
            out.append(folded)
            offsets.append(i)
    return Cleaned("".join(out), tuple(offsets), len(text))


def clean_pattern(pattern: str) -> str:
    return clean(pattern).text


@dataclass(frozen=True, slots=True)
class Match:
    start: int  # in cleaned text
    end: int
    payload: object


def _ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _whole_ascii_word(text: str, start: int, end: int) -> bool:
    """Latin patterns match whole words only: "sb" is abuse, the "sb" in "usb" is not."""
    if _ascii_letter(text[start]) and start > 0 and _ascii_letter(text[start - 1]):
        return False
    return not (_ascii_letter(text[end - 1]) and end < len(text) and _ascii_letter(text[end]))


class Automaton:
    """Aho–Corasick over (pattern, payload) pairs; patterns are cleaned like the text."""

    __slots__ = ("_fail", "_goto", "_out")

    def __init__(self, entries: Iterable[tuple[str, object]]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._out: list[list[tuple[int, object]]] = [[]]
        for raw, payload in entries:
            pattern = clean_pattern(raw)
            if not pattern:
                continue
            node = 0
            for ch in pattern:
                nxt = self._goto[node].get(ch)
                if nxt is None:
                    nxt = len(self._goto)
                    self._goto[node][ch] = nxt
                    self._goto.append({})
                    self._out.append([])
                node = nxt
            self._out[node].append((len(pattern), payload))
        self._fail = [0] * len(self._goto)
        queue = deque(self._goto[0].values())
        while queue:
            node = queue.popleft()
            for ch, child in self._goto[node].items():
                queue.append(child)
                f = self._fail[node]
                while f and ch not in self._goto[f]:
                    f = self._fail[f]
                target = self._goto[f].get(ch, 0)
                self._fail[child] = target if target != child else 0
                self._out[child] = self._out[child] + self._out[self._fail[child]]

    def find_all(self, text: str) -> list[Match]:
        """Every occurrence of every pattern, overlapping ones included."""
        goto, fail, out = self._goto, self._fail, self._out
        node = 0
        found: list[Match] = []
        for i, ch in enumerate(text):
            while node and ch not in goto[node]:
                node = fail[node]
            node = goto[node].get(ch, 0)
            if out[node]:
                for length, payload in out[node]:
                    start = i + 1 - length
                    if _whole_ascii_word(text, start, i + 1):
                        found.append(Match(start, i + 1, payload))
        return found

    def find_longest(self, text: str) -> list[Match]:
        """Leftmost-longest, non-overlapping: "不满意" wins over the "满意" inside it."""
        matches = sorted(self.find_all(text), key=lambda m: (m.start, -(m.end - m.start)))
        chosen: list[Match] = []
        taken = 0
        for m in matches:
            if m.start >= taken:
                chosen.append(m)
                taken = m.end
        return chosen
