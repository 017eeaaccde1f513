"""Which queues an agent serves: the one answer the desk and workforce both read.

Skills and queues belong to routing. Until routing has models of its own, an agent's skills are
stored on the agent's work profile (`workforce.AgentWorkProfile.skills`), and this module reads
that one model. It is the only place outside workforce that does, so the desk depends on
routing, not on workforce, and workforce (which reads the desk's service calendars) can depend on
the desk without a cycle. When skills move into a routing model, only this module changes.
"""

from __future__ import annotations

from kefu.core.scope import Scope
from kefu.workforce.models import AgentWorkProfile


def agent_queues(scope: Scope, *, user_id: int) -> list[str]:
    """The queues an agent of the acting provider serves (their skills), sorted; none without a
    profile, and none for a client's staff (skills are the provider's staffing data)."""
    if not scope.is_provider:
        return []
    skills = (
        AgentWorkProfile.objects.for_scope(scope)
        .filter(user_id=user_id)
        .values_list("skills", flat=True)
        .first()
    )
    return sorted(skills or [])


def my_queues(scope: Scope) -> list[str]:
    """The queues the acting agent serves (the workspace's "My queues" view)."""
    if scope.user_id is None:
        return []
    return agent_queues(scope, user_id=scope.user_id)
