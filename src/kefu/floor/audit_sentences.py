"""The sentences of the floor's audit codes (`tenancy.audit_sentences` renders them); registered
from `FloorConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.floor.models import Metric, StepKind
from kefu.tenancy import audit_sentences


def register() -> None:
    metric, step = audit_sentences.choice_label(Metric), audit_sentences.choice_label(StepKind)
    sentences = {
        "floor.alarm_rule_create": (
            _("%(actor)s added a floor alarm on %(queue)s: %(metric)s, threshold %(threshold)s"),
            {"metric": metric},
        ),
        "floor.alarm_rule_delete": (_("%(actor)s removed a floor alarm on %(queue)s"), {"metric": metric}),
        "floor.alarm_acknowledge": (_("%(actor)s acknowledged a floor alarm"), {}),
        "floor.alarm_clear": (_("%(actor)s cleared a floor alarm"), {}),
        "floor.plan_create": (_("%(actor)s created the emergency plan %(name)s"), {}),
        "floor.plan_step_add": (
            _("%(actor)s added a step to the emergency plan %(target)s: %(kind)s"),
            {"kind": step},
        ),
        "floor.plan_step_delete": (
            _("%(actor)s removed a step from the emergency plan %(target)s"),
            {"kind": step},
        ),
        "floor.plan_step_run": (_("%(actor)s carried out an emergency plan step: %(kind)s"), {"kind": step}),
        "floor.plan_step_undo": (_("%(actor)s undid an emergency plan step: %(kind)s"), {"kind": step}),
        "floor.conversation_move": (_("%(actor)s moved %(target)s to the queue %(to)s"), {}),
        "floor.conversation_takeover": (_("%(actor)s took over %(target)s"), {}),
        "floor.conversation_reassign": (_("%(actor)s handed %(target)s to another agent"), {}),
        "floor.whisper": (_("%(actor)s whispered to the agent on %(target)s"), {}),
    }
    for action, (sentence, values) in sentences.items():
        audit_sentences.register(action, sentence, values=values)
    for key, label in (
        ("metric", _("Figure")),
        ("threshold", _("Threshold")),
        ("restored", _("Restored")),
        ("before", _("Before")),
        ("after", _("After")),
        ("queue", _("Queue")),
    ):
        audit_sentences.register_key(key, label)
