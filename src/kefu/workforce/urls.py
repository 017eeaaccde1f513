from django.urls import path

from kefu.workforce import simulation_views, views

urlpatterns = [
    path("", views.index, name="workforce"),
    path("forecasts/from-events/", views.forecast_from_events, name="workforce_forecast_from_events"),
    path("campaigns/", views.campaign_create, name="workforce_campaign_create"),
    path("campaigns/<int:campaign_id>/delete/", views.campaign_delete, name="workforce_campaign_delete"),
    path("what-if/", simulation_views.what_if, name="workforce_what_if"),
    path("staffing/", views.staffing_calculator, name="workforce_staffing"),
    path("history/<int:history_id>/", views.history_detail, name="workforce_history"),
    path("forecasts/<int:forecast_id>/", views.forecast_detail, name="workforce_forecast"),
]

from kefu.workforce import schedule_views  # noqa: E402 (schedules, appended)

urlpatterns += [
    path("schedules/", schedule_views.schedule_list, name="workforce_schedules"),
    path("schedules/<int:schedule_id>/", schedule_views.schedule_detail, name="workforce_schedule"),
    path("schedules/<int:schedule_id>/cell/", schedule_views.schedule_cell, name="workforce_schedule_cell"),
    path(
        "schedules/<int:schedule_id>/solve/", schedule_views.schedule_solve, name="workforce_schedule_solve"
    ),
    path(
        "schedules/<int:schedule_id>/solve-status/",
        schedule_views.schedule_solve_status,
        name="workforce_schedule_solve_status",
    ),
    path(
        "schedules/<int:schedule_id>/publish/",
        schedule_views.schedule_publish,
        name="workforce_schedule_publish",
    ),
    path("my-schedule/", schedule_views.my_schedule, name="workforce_my_schedule"),
    path("requests/", schedule_views.request_list, name="workforce_requests"),
    path("requests/<int:request_id>/decide/", schedule_views.request_decide, name="workforce_request_decide"),
    path("capacity/", schedule_views.capacity, name="workforce_capacity"),
    path("shift-templates/", schedule_views.shift_templates, name="workforce_shift_templates"),
    path(
        "shift-templates/<int:template_id>/delete/",
        schedule_views.shift_template_delete,
        name="workforce_shift_template_delete",
    ),
    path("agent-profiles/", schedule_views.agent_profiles, name="workforce_agent_profiles"),
]
