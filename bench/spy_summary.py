"""Sum up py-spy raw stacks (`py-spy record --format raw`, as `bench/routing_e2e.py --profile`
writes them): the share of samples that pass through each function (inclusive), largest first.

    uv run python bench/spy_summary.py DIR/spy-*.txt [--top 40] [--under conversations_create]

`--under NAME` counts only the stacks passing through a function whose name contains NAME, so a
request can be split into its parts. Kefu's own frames are named `module.function`; a library's
keep its file name.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    """`route_waiting (kefu/desk/services/assignment.py:97)` -> `desk.services.assignment.route_waiting`."""
    found = FRAME.match(frame.strip())
    if not found:
        return frame.strip()
    function, file = found["function"], found["file"]
    if "/kefu/" in file or file.startswith("kefu/"):
        module = file.split("kefu/", 1)[1].removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        return f"{module}.{function}"
    return f"{function} ({Path(file).name})"


def read(paths: list[Path]) -> list[tuple[list[str], int]]:
    stacks = []
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            head, _, count = line.rpartition(" ")
            if head and count.isdigit():
                stacks.append(([frame_name(f) for f in head.split(";")], int(count)))
    return stacks


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--under", help="only stacks through a function whose name contains this")
    args = parser.parse_args()
    stacks = read(args.files)
    total = sum(n for _, n in stacks)
    if args.under:
        stacks = [(frames, n) for frames, n in stacks if any(args.under in f for f in frames)]
    inclusive: Counter[str] = Counter()
    for frames, n in stacks:
        for name in set(frames):
            inclusive[name] += n
    chosen = sum(n for _, n in stacks)
    print(f"{total} samples in all; {chosen} counted" + (f" (through {args.under!r})" if args.under else ""))
    for name, n in inclusive.most_common(args.top):
        print(f"{100 * n / total:6.1f} %  {name}")
    return 0 if total else 2


if __name__ == "__main__":
    raise SystemExit(main())
