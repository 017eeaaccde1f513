from django.urls import path

from kefu.workforce import views

urlpatterns = [
    path("", views.index, name="workforce"),
    path("staffing/", views.staffing_calculator, name="workforce_staffing"),
    path("history/<int:history_id>/", views.history_detail, name="workforce_history"),
    path("forecasts/<int:forecast_id>/", views.forecast_detail, name="workforce_forecast"),
]
