from django.urls import path

from kefu.knowledge import views

urlpatterns = [
    path("phrases/", views.phrase_list, name="quick_phrases"),
    path("phrases/export.csv", views.phrase_export, name="quick_phrases_export"),
    path("phrases/<int:phrase_id>/", views.phrase_edit, name="quick_phrase_edit"),
]
