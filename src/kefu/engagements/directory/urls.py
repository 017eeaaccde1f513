from django.urls import path

from kefu.engagements.directory import views

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<int:provider_id>/", views.profile, name="directory_profile"),
]
