"""Pages of rostering, under /workforce/ with the rest of workforce (their names start `workforce_`)."""

from django.urls import path

from kefu.workforce.rostering import views

urlpatterns = [
    path("schedules/", views.schedule_list, name="workforce_schedules"),
    path("schedules/<int:schedule_id>/", views.schedule_detail, name="workforce_schedule"),
    path("schedules/<int:schedule_id>/cell/", views.schedule_cell, name="workforce_schedule_cell"),
    path("schedules/<int:schedule_id>/solve/", views.schedule_solve, name="workforce_schedule_solve"),
    path(
        "schedules/<int:schedule_id>/solve-status/",
        views.schedule_solve_status,
        name="workforce_schedule_solve_status",
    ),
    path(
        "schedules/<int:schedule_id>/publish/",
        views.schedule_publish,
        name="workforce_schedule_publish",
    ),
    path("my-schedule/", views.my_schedule, name="workforce_my_schedule"),
    path("requests/", views.request_list, name="workforce_requests"),
    path("requests/<int:request_id>/decide/", views.request_decide, name="workforce_request_decide"),
    path("capacity/", views.capacity, name="workforce_capacity"),
    path("shift-templates/", views.shift_templates, name="workforce_shift_templates"),
    path(
        "shift-templates/<int:template_id>/delete/",
        views.shift_template_delete,
        name="workforce_shift_template_delete",
    ),
    path("agent-profiles/", views.agent_profiles, name="workforce_agent_profiles"),
]
