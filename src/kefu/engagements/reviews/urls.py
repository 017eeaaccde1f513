from django.urls import path

from kefu.engagements.reviews import views

urlpatterns = [
    path("", views.review_list, name="reviews_list"),
    path("generate/", views.review_generate, name="reviews_generate"),
    path("<int:business_review_id>/", views.review_detail, name="reviews_detail"),
    path("<int:business_review_id>/generate/", views.review_regenerate, name="reviews_regenerate"),
    path("<int:business_review_id>/publish/", views.review_publish, name="reviews_publish"),
    path("<int:business_review_id>/actions/", views.action_add, name="reviews_action_add"),
    path("<int:business_review_id>/comments/", views.comment_add, name="reviews_comment_add"),
    path("actions/<int:review_action_id>/done/", views.action_done, name="reviews_action_done"),
    path("renewal/<int:contract_id>/", views.renewal, name="reviews_renewal"),
    path("renewal/<int:contract_id>/store/", views.renewal_store, name="reviews_renewal_store"),
    path("renewals/<int:renewal_id>/decide/", views.renewal_decide, name="reviews_renewal_decide"),
]
