"""The demo's progress: a bar redrawn in place on a terminal, a few plain lines otherwise."""

from __future__ import annotations

import io

from kefu.cli.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    with Progress("Replaying 28 days", 87, stream=out, unit="shop-days") as bar:
        for made in range(87):
            bar.advance(detail=f"{made * 15} conversations")
    lines = out.getvalue().splitlines()
    assert lines[0] == "Replaying 28 days…"
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    # one line per tenth (0 %, 10 % … 90 %), then the last one
    assert len(lines) == 1 + 10 + 1
    assert lines[1].strip().startswith("1 % 1/87 shop-days")
    assert lines[-1].strip().startswith("100 % 87/87 shop-days · 1290 conversations, done in 0:0")


def test_a_bar_in_place_on_a_terminal() -> None:
    out = _Terminal()
    with Progress("Replaying", 4, stream=out) as bar:
        for _ in range(4):
            bar.advance()
    text = out.getvalue()
    assert text.startswith("\r\x1b[2KReplaying ") and text.endswith("\n")
    assert text.count("\n") == 1  # one line, redrawn
    assert "████████████████████████████ 100 % 4/4" in text


def test_nothing_to_do_still_ends_cleanly() -> None:
    out = io.StringIO()
    Progress("Replaying", 0, stream=out).close()
    assert out.getvalue().splitlines()[0] == "Replaying…"
