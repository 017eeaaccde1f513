from django.urls import path

from kefu.floor import views

urlpatterns = [
    path("wallboard/", views.wallboard, name="floor_wallboard"),
    path("alarms/", views.alarms, name="floor_alarms"),
    path("alarms/<int:alarm_id>/", views.alarm_detail, name="floor_alarm"),
    path(
        "alarms/<int:alarm_id>/acknowledge/",
        views.alarm_action,
        {"action": "acknowledge"},
        name="floor_alarm_ack",
    ),
    path("alarms/<int:alarm_id>/clear/", views.alarm_action, {"action": "clear"}, name="floor_alarm_clear"),
    path("thresholds/<int:alarm_rule_id>/delete/", views.rule_delete, name="floor_rule_delete"),
    path("plans/", views.plans, name="floor_plans"),
    path("plans/<int:emergency_plan_id>/", views.plan_detail, name="floor_plan"),
    path("steps/<int:step_id>/run/", views.step_run, name="floor_step_run"),
    path("step-runs/<int:run_id>/undo/", views.run_undo, name="floor_run_undo"),
    path("conversations/<int:conversation_id>/", views.conversation, name="floor_conversation"),
    path("agents/<int:agent_id>/state/", views.agent_state, name="floor_agent_state"),
    path("bell/", views.bell, name="floor_bell"),
    path("notices/<int:notice_id>/read/", views.notice_read, name="floor_notice_read"),
]
