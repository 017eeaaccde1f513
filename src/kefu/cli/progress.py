"""Progress of a long command step, on stderr so stdout stays clean for `--json`.

On a terminal a bar is redrawn in place; otherwise (a pipe, a log file, CI) a plain line is
written at every tenth of the way, so logs stay short. Small on purpose: `rich` and `tqdm` are
not dependencies of Kefu, and one bar does not justify one.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 28


class Progress:
    """`advance()` once per unit of work; `close()` (or the `with` block) ends the line."""

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, unit: str = "") -> None:
        self.label = label
        self.total = max(total, 0)
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self.detail = ""
        self.started = time.monotonic()
        self._last_tenth = -1
        self._last_draw = 0.0
        self._closed = False
        if not self.tty:
            self.stream.write(f"{label}…\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, steps: int = 1, *, detail: str = "") -> None:
        self.done = min(self.done + steps, self.total) if self.total else self.done + steps
        if detail:
            self.detail = detail
        if self.tty:
            now = time.monotonic()
            if now - self._last_draw >= 0.1 or self.done == self.total:  # at most 10 redraws a second
                self._last_draw = now
                self._draw()
            return
        tenth = self.done * 10 // self.total if self.total else 0
        if tenth > self._last_tenth and tenth < 10:
            self._last_tenth = tenth
            self.stream.write(f"  {self._counts()}\n")
            self.stream.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.tty:
            self._draw()
            self.stream.write("\n")
        else:
            self.stream.write(f"  {self._counts()}, done in {_clock(time.monotonic() - self.started)}\n")
        self.stream.flush()

    def _counts(self) -> str:
        share = f"{self.done * 100 // self.total:3d} %" if self.total else ""
        unit = f" {self.unit}" if self.unit else ""
        detail = f" · {self.detail}" if self.detail else ""
        return f"{share} {self.done}/{self.total}{unit}{detail}".strip()

    def _draw(self) -> None:
        filled = BAR_WIDTH * self.done // self.total if self.total else BAR_WIDTH
        bar = "█" * filled + "░" * (BAR_WIDTH - filled)
        elapsed = time.monotonic() - self.started
        left = ""
        if 0 < self.done < self.total:
            left = f" · ~{_clock(elapsed / self.done * (self.total - self.done))} left"
        self.stream.write(f"\r\x1b[2K{self.label} {bar} {self._counts()} · {_clock(elapsed)}{left}")
        self.stream.flush()


def step(message: str, *, stream: TextIO | None = None) -> None:
    """One line announcing a shorter step (also on stderr)."""
    out = stream if stream is not None else sys.stderr
    out.write(f"{message}\n")
    out.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
