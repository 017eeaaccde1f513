"""The auto score of one conversation, from its findings. Pure: no Django.

    score = max(0, 100 − Σ_check points(severity) × min(count of the check's findings, 3))

with points critical 30, major 10, minor 4. A check counts at most three times, so a long
conversation is not sunk by one habit repeated; a critical finding (a fatal item on a scorecard)
costs enough to push a conversation out of the good band on its own. The auto score is stored
apart from human review scores and never averaged with them (docs/quality-autoqa.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from kefu.quality.autoqa.model import Finding, Severity

POINTS = {Severity.CRITICAL: 30, Severity.MAJOR: 10, Severity.MINOR: 4}
MAX_COUNTED_PER_CHECK = 3
BEST, WORST = 100, 0


def score(findings: Iterable[Finding]) -> int:
    counted: Counter[tuple[str, Severity]] = Counter()
    for finding in findings:
        counted[(finding.check, finding.severity)] += 1
    lost = sum(POINTS[severity] * min(n, MAX_COUNTED_PER_CHECK) for (_check, severity), n in counted.items())
    return max(WORST, BEST - lost)
