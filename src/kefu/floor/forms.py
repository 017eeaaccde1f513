"""Forms of the floor pages; the services check everything again (the API has no forms)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.floor.models import Metric, StepKind
from kefu.routing.models import BreakReason, PresenceState


class AlarmRuleForm(forms.Form):
    queue = forms.TypedChoiceField(label=_("Queue"), coerce=int)
    metric = forms.ChoiceField(label=_("Figure"), choices=Metric.choices)
    threshold = forms.FloatField(label=_("Threshold"), min_value=0, max_value=100000)
    plan = forms.TypedChoiceField(label=_("Emergency plan"), coerce=int, required=False, empty_value=None)
    notify_client = forms.BooleanField(label=_("Tell the client's managers"), required=False)

    def __init__(self, *args, queues: list[tuple[int, str]], plans: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = queues
        self.fields["plan"].choices = [("", _("None")), *plans]


class PlanForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=120)

    def __init__(self, *args, clients: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Step"), choices=StepKind.choices)
    queue = forms.TypedChoiceField(label=_("Queue"), coerce=int, required=False, empty_value=None)
    overflow_queue = forms.TypedChoiceField(
        label=_("Overflow into"), coerce=int, required=False, empty_value=None
    )
    overflow_after_s = forms.IntegerField(
        label=_("Overflow after (s)"), min_value=0, max_value=3600, required=False
    )
    chats = forms.IntegerField(label=_("Chats at once"), min_value=1, max_value=20, required=False)
    agents = forms.TypedMultipleChoiceField(label=_("Standby agents"), coerce=int, required=False)
    message = forms.CharField(label=_("Message to them"), max_length=200, required=False)
    widget = forms.TypedChoiceField(label=_("Chat widget"), coerce=int, required=False, empty_value=None)

    def __init__(
        self,
        *args,
        queues: list[tuple[int, str]],
        agents: list[tuple[int, str]],
        widgets: list[tuple[int, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.fields["queue"].choices = blank + queues
        self.fields["overflow_queue"].choices = blank + queues
        self.fields["agents"].choices = agents
        self.fields["widget"].choices = blank + widgets

    def params(self) -> dict:
        d = self.cleaned_data
        return {
            "queue_id": d.get("queue"),
            "overflow_queue_id": d.get("overflow_queue"),
            "overflow_after_s": d.get("overflow_after_s"),
            "chats": d.get("chats"),
            "agent_ids": d.get("agents") or [],
            "message": d.get("message") or "",
            "widget_id": d.get("widget"),
        }


class MoveForm(forms.Form):
    queue = forms.TypedChoiceField(label=_("Move to queue"), coerce=int)

    def __init__(self, *args, queues: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = queues


class AssignForm(forms.Form):
    agent = forms.TypedChoiceField(label=_("Hand to"), coerce=int)

    def __init__(self, *args, agents: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = agents


class WhisperForm(forms.Form):
    body = forms.CharField(
        label=_("Whisper to the agent"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AgentStateForm(forms.Form):
    """A lead's "set state" on the wallboard. The reason is one routing defines and counts only
    for a break (it is dropped for any other state); the service checks both again."""

    state = forms.ChoiceField(
        label=_("Set state"),
        choices=[
            (s.value, s.label) for s in (PresenceState.ONLINE, PresenceState.BREAK, PresenceState.OFFLINE)
        ],
    )
    reason = forms.ChoiceField(
        label=_("Break reason"),
        choices=[(value, label) for value, label in BreakReason.choices if value],
        required=False,
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("state") != PresenceState.BREAK:
            data["reason"] = ""
            self.errors.pop("reason", None)
        elif not data.get("reason") and "reason" not in self.errors:
            self.add_error("reason", _("Choose a reason for the break."))
        return data
