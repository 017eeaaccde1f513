from django.urls import path

from kefu.analytics import views

urlpatterns = [
    path("metrics/", views.metric_dictionary, name="metric_dictionary"),
]
