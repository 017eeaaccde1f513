"""Auto-QA pages, under /quality/autoqa/."""

from __future__ import annotations

from django.urls import path

from kefu.quality import autoqa_views

urlpatterns = [
    path("", autoqa_views.autoqa_list, name="quality_autoqa"),
    path("conversations/<int:conversation_id>/", autoqa_views.autoqa_panel, name="quality_autoqa_panel"),
    path("rules/", autoqa_views.autoqa_rules_index, name="quality_autoqa_rules_index"),
    path("rules/<int:client_id>/", autoqa_views.autoqa_rules, name="quality_autoqa_rules"),
]
