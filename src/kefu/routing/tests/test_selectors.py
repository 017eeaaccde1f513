"""Which queues an agent serves: the skills on the agent's work profile, read in the acting tenant."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.routing import selectors
from kefu.workforce.rostering import services as rostering_services


@pytest.mark.django_db
def test_an_agent_serves_the_queues_of_their_profile_and_nobody_else_sees_them(tenants: Any) -> None:
    agent, me = tenants.scope("pa", "agent"), tenants.user("pa", "agent")
    assert selectors.my_queues(agent) == []  # no profile yet

    planner = tenants.scope("pa", "workforce_planner")
    rostering_services.agent_profile_set(planner, user_id=me.pk, skills=["悦家-邮件", "悦家-在线"])

    assert selectors.my_queues(agent) == ["悦家-在线", "悦家-邮件"]
    assert selectors.agent_queues(planner, user_id=me.pk) == ["悦家-在线", "悦家-邮件"]
    assert selectors.agent_queues(tenants.scope("pb", "workforce_planner"), user_id=me.pk) == []
    assert selectors.agent_queues(tenants.scope("ca1", "client_manager"), user_id=me.pk) == []
