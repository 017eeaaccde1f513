from django.urls import path

from kefu.analytics import dashboard_views

urlpatterns = [
    path("", dashboard_views.dashboards, name="dashboards"),
    path("me/", dashboard_views.my_figures, name="dashboard_me"),
    path("clients/<int:client_id>/", dashboard_views.client_dashboard, name="dashboard_client"),
    path("clients/<int:client_id>/today/", dashboard_views.today, name="dashboard_today"),
    path("clients/<int:client_id>/teams/", dashboard_views.team_dashboard, name="dashboard_team"),
    path(
        "clients/<int:client_id>/agents/<int:agent_id>/",
        dashboard_views.agent_dashboard,
        name="dashboard_agent",
    ),
    path("clients/<int:client_id>/items/<str:metric_id>/", dashboard_views.items, name="dashboard_items"),
]
