"""Routing's decision core: which waiting contact goes to which agent, with no Django.

`snapshot` holds the frozen inputs, `rules` the rules (eligibility, order, choice), `floor` the
incremental structure that applies them per event in microseconds, `shortlist` the few agents a
batch over k contacts can need. docs/routing-decision.md
explains the rules; the wiring to the database lives in routing's services.
"""

from __future__ import annotations

from kefu.routing.decision.floor import Floor, decide
from kefu.routing.decision.shortlist import FreeAgent, kept_per_group, shortlist
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
    "FreeAgent",
    "OverflowRule",
    "Presence",
    "Queue",
    "SkillNeed",
    "Snapshot",
    "TrafficSplit",
    "decide",
    "kept_per_group",
    "shortlist",
]
