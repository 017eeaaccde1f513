from django.urls import path

from kefu.workforce import simulation_views, views
from kefu.workforce.rostering import urls as rostering_urls

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

urlpatterns += rostering_urls.urlpatterns
