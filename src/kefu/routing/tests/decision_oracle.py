"""Two independent views of the routing decision, for the tests and the benchmark.

`brute_force` decides by looking at every agent for every contact, with the rules module's
functions and none of the `Floor`'s indexes: the `Floor` must give the same answer. `problems`
checks a list of assignments against the snapshot's raw data, without the rules module at all, so
a mistake in a rule itself (not only in an index) shows up as a broken invariant.
"""

from __future__ import annotations

from kefu.routing.decision import rules
from kefu.routing.decision.snapshot import Assignment, Snapshot


def brute_force(snapshot: Snapshot, now: float) -> list[Assignment]:
    """Every waiting contact, most urgent first, to its best free agent among all agents."""
    queues = {queue.id: queue for queue in snapshot.queues}
    splits = {split.client_id: split for split in snapshot.splits}
    realised = {split.client_id: dict(split.realised) for split in snapshot.splits}
    load = {agent.id: dict(agent.load) for agent in snapshot.agents}
    idle = {agent.id: agent.idle_since for agent in snapshot.agents}
    order = sorted(
        snapshot.contacts, key=lambda c: rules.contact_key(c, queues[c.queue_id], snapshot.aging_s)
    )
    made = []
    for contact in order:
        queue = queues[contact.queue_id]
        split = splits.get(queue.client_id)
        channel = queue.channel
        candidates = []
        for agent in snapshot.agents:
            if not rules.routable(agent.state) or agent.id in contact.missed_by:
                continue
            if not rules.has_room(agent.capacity, load[agent.id], channel):
                continue
            if not rules.qualifies(agent, queue) or not rules.certified(agent, queue.client_id, now):
                continue
            number = rules.tier(agent, queue, split)
            if number is None or not rules.tier_open(queue, number, now - contact.enqueued_at):
                continue
            key = rules.agent_key(
                rules.proficiency(agent, queue),
                load[agent.id].get(channel, 0),
                agent.capacity[channel],
                idle[agent.id],
                agent.id,
            )
            candidates.append(rules.Candidate(agent.id, agent.provider_id, number, key))
        chosen = rules.pick(
            candidates,
            preferred=contact.preferred_agent_id,
            split=split,
            realised=realised.get(queue.client_id, {}),
        )
        if chosen is None:
            continue
        load[chosen.agent_id][channel] = load[chosen.agent_id].get(channel, 0) + 1
        idle[chosen.agent_id] = now
        if split is not None:
            counts = realised[queue.client_id]
            counts[chosen.provider_id] = counts.get(chosen.provider_id, 0) + 1
        made.append(
            Assignment(
                contact_id=contact.id,
                agent_id=chosen.agent_id,
                queue_id=queue.id,
                channel=channel,
                provider_id=chosen.provider_id,
                tier=chosen.tier,
                sticky=chosen.agent_id == contact.preferred_agent_id,
            )
        )
    return made


def problems(snapshot: Snapshot, now: float, made: list[Assignment]) -> list[str]:
    """What is wrong with these assignments, checked on the raw snapshot data: a contact twice or
    unknown, an agent not online, over capacity, short of a skill or a valid certification, one who
    missed the contact, not serving the queue, or an overflow before its threshold."""
    queues = {queue.id: queue for queue in snapshot.queues}
    agents = {agent.id: agent for agent in snapshot.agents}
    contacts = {contact.id: contact for contact in snapshot.contacts}
    splits = {split.client_id: split for split in snapshot.splits}
    load = {agent.id: dict(agent.load) for agent in snapshot.agents}
    seen: set[int] = set()
    found = []
    for made_one in made:
        contact = contacts.get(made_one.contact_id)
        agent = agents.get(made_one.agent_id)
        if contact is None or agent is None:
            found.append(f"unknown contact or agent in {made_one}")
            continue
        queue = queues[contact.queue_id]
        channel = queue.channel
        where = f"contact {contact.id} → agent {agent.id}"
        if contact.id in seen:
            found.append(f"{where}: contact assigned twice")
        seen.add(contact.id)
        if agent.state != "online":
            found.append(f"{where}: agent is {agent.state}")
        if agent.id in contact.missed_by:
            found.append(f"{where}: the agent missed this contact")
        load[agent.id][channel] = load[agent.id].get(channel, 0) + 1
        if load[agent.id][channel] > agent.capacity.get(channel, 0):
            found.append(f"{where}: over capacity on {channel}")
        for need in queue.needs:
            if agent.skills.get(need.skill, 0) < need.min_level:
                found.append(f"{where}: lacks {need.skill} at {need.min_level}")
        expiry = agent.certifications.get(queue.client_id, "none")
        if expiry == "none" or (expiry is not None and expiry <= now):
            found.append(f"{where}: no valid certification for client {queue.client_id}")
        home = agent.team_id in queue.teams or agent.provider_id in queue.providers
        split = splits.get(queue.client_id)
        if split is not None and split.planned.get(agent.provider_id, 0) <= 0:
            home = False
        waited = now - contact.enqueued_at
        opened = any(
            waited >= rule.after_s and (agent.team_id in rule.teams or agent.provider_id in rule.providers)
            for rule in queue.overflow
        )
        if not home and not opened:
            found.append(f"{where}: the agent does not serve queue {queue.id} after {waited} s")
        if made_one.channel != channel or made_one.queue_id != queue.id:
            found.append(f"{where}: wrong queue or channel")
    return found
