"""Routing's decision core: which waiting contact goes to which agent, with no Django.

`snapshot` holds the frozen inputs, `rules` the rules (eligibility, order, choice), `floor` the
incremental structure that applies them per event in microseconds. docs/routing-decision.md
explains the rules; the wiring to the database lives in routing's services.
"""

from __future__ import annotations

from kefu.routing.decision.floor import Floor, decide
from kefu.routing.decision.snapshot import (
    Agent,
    Assignment,
    Contact,
    OverflowRule,
    Presence,
    Queue,
    SkillNeed,
    Snapshot,
    TrafficSplit,
)

__all__ = [
    "Agent",
    "Assignment",
    "Contact",
    "Floor",
    "OverflowRule",
    "Presence",
    "Queue",
    "SkillNeed",
    "Snapshot",
    "TrafficSplit",
    "decide",
]
