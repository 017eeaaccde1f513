"""The what-if page: simulate a queue's plan against a spike and absences."""

from __future__ import annotations

from dataclasses import fields

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.workforce import whatif
from kefu.workforce.permissions import WorkforcePerm


class WhatIfForm(forms.Form):
    calls = forms.FloatField(label=_("Contacts per interval"), initial=100)
    aht = forms.FloatField(label=_("Average handle time (seconds)"), initial=180)
    agents = forms.IntegerField(label=_("Agents planned"), initial=14)
    interval = forms.FloatField(label=_("Interval (seconds)"), initial=1800)
    intervals = forms.IntegerField(label=_("Intervals simulated"), initial=8)
    answer_time = forms.FloatField(label=_("Answer within (seconds)"), initial=20)
    patience = forms.FloatField(
        label=_("Mean patience (seconds, empty: nobody hangs up)"), required=False, initial=120
    )
    concurrency = forms.IntegerField(label=_("Chats per agent at once"), initial=1)
    spike_factor = forms.FloatField(label=_("Spike: volume multiple"), initial=1.5)
    spike_from = forms.IntegerField(label=_("Spike from interval"), initial=3)
    spike_to = forms.IntegerField(label=_("Spike to interval"), initial=4)
    absent_agents = forms.IntegerField(label=_("Agents absent"), initial=3)
    absent_from = forms.IntegerField(label=_("Absent from interval"), initial=5)
    absent_to = forms.IntegerField(label=_("Absent to interval"), initial=6)
    replications = forms.IntegerField(label=_("Replications"), initial=10)


QUERY_FIELDS = {f.name for f in fields(whatif.WhatIfQuery)}


@access_required(WorkforcePerm.VIEW)
def what_if(request: HttpRequest) -> HttpResponse:
    form = WhatIfForm(request.GET if "calls" in request.GET else None)
    result = None
    if form.is_bound and form.is_valid():
        query = whatif.WhatIfQuery(**{k: v for k, v in form.cleaned_data.items() if k in QUERY_FIELDS})
        try:
            result = whatif.run(query)
        except whatif.WhatIfInputError as exc:
            form_error(form, exc)
    return render(
        request,
        "workforce/what_if.html",
        {"form": form, "result": result},
        status=422 if form.errors else 200,
    )
