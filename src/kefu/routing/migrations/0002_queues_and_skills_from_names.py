"""Queues and skills from what was stored before routing had models.

A `Queue` for every queue name a client's conversations or chat widgets carry (owned by the
lowest-numbered provider using it, every such provider serving it with an equal planned share),
a "queue" skill per queue name an agent's work profile lists or a queue needs, an `AgentSkill`
(proficiency 3) per profile entry, and each queue requiring its own queue skill. Idempotent,
so the demo and tests may run it again (`copy_queues_and_skills(apps)`).
"""

from collections import Counter, defaultdict

from django.db import migrations


def _business_type(name: str) -> str:
    if "售前" in name:
        return "pre_sales"
    if "售后" in name:
        return "after_sales"
    if "投诉" in name:
        return "complaints"
    return "general"


def copy_queues_and_skills(apps, schema_editor=None):  # type: ignore[no-untyped-def]
    conversation = apps.get_model("desk", "Conversation")._base_manager
    widget = apps.get_model("connectors", "WidgetConfig")._base_manager
    profile = apps.get_model("workforce", "AgentWorkProfile")._base_manager
    queue_model = apps.get_model("routing", "Queue")
    queues = queue_model._base_manager
    serving = apps.get_model("routing", "QueueProvider")._base_manager
    skills = apps.get_model("routing", "Skill")._base_manager
    queue_skills = apps.get_model("routing", "QueueSkill")._base_manager
    agent_skills = apps.get_model("routing", "AgentSkill")._base_manager

    providers: dict[tuple[int, str], set[int]] = defaultdict(set)
    channels: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for source in (conversation, widget):
        rows = source.exclude(queue="").exclude(client_id=None).values("provider_id", "client_id", "queue")
        for row in rows.distinct():
            key = (row["client_id"], row["queue"])
            providers[key]  # noqa: B018 (a client-owned queue has no provider yet)
            if row["provider_id"] is not None:
                providers[key].add(row["provider_id"])
    for row in conversation.exclude(queue="").exclude(client_id=None).values("client_id", "queue", "channel"):
        channels[(row["client_id"], row["queue"])][row["channel"]] += 1

    def skill_of(provider_id: int, name: str):  # type: ignore[no-untyped-def]
        return skills.get_or_create(provider_id=provider_id, client_id=None, kind="queue", name=name)[0]

    for (client_id, name), provider_ids in sorted(providers.items()):
        ordered = sorted(provider_ids)
        channel = channels[(client_id, name)].most_common(1)[0][0] if channels[(client_id, name)] else "chat"
        queue, _created = queues.get_or_create(
            client_id=client_id,
            name=name[:60],
            defaults={
                "provider_id": ordered[0] if ordered else None,
                "business_type": _business_type(name),
                "channel": channel if channel in {"chat", "email", "phone", "api"} else "chat",
            },
        )
        for index, provider_id in enumerate(ordered):
            share = 100 // len(ordered) + (1 if index < 100 % len(ordered) else 0)
            serving.get_or_create(
                queue=queue, provider_id=provider_id, defaults={"client_id": client_id, "share_percent": share}
            )
            queue_skills.get_or_create(
                queue=queue,
                skill=skill_of(provider_id, queue.name),
                defaults={"provider_id": provider_id, "client_id": client_id, "min_proficiency": 1},
            )
    for row in profile.values("provider_id", "user_id", "skills"):
        for name in row["skills"] or []:
            if not isinstance(name, str) or not name.strip():
                continue
            agent_skills.get_or_create(
                user_id=row["user_id"],
                skill=skill_of(row["provider_id"], name.strip()[:60]),
                defaults={"provider_id": row["provider_id"], "proficiency": 3},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0001_queues_skills_presence"),
        ("desk", "0007_default_manager_scoped"),
        ("connectors", "0005_default_manager_scoped"),
        ("workforce", "0005_default_manager_scoped"),
    ]

    operations = [migrations.RunPython(copy_queues_and_skills, migrations.RunPython.noop)]
