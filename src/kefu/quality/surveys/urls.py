from django.urls import path

from kefu.quality.surveys import views

urlpatterns = [
    path("", views.survey_list, name="quality_surveys"),
    path("answers/", views.answer_list, name="quality_survey_answers"),
    path("<int:survey_id>/", views.survey_detail, name="quality_survey"),
    path("send/<int:conversation_id>/", views.survey_send, name="quality_survey_send"),
]
