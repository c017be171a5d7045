from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "cards"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cards:card_list"), name="index"),
    path("cards/", views.CardListView.as_view(), name="card_list"),
    path("cards/new/", views.IssueCardView.as_view(), name="card_create"),
    path("cards/<int:pk>/", views.CardDetailView.as_view(), name="card_detail"),
    path("cards/<int:pk>/lost/", views.ReportLostView.as_view(), name="card_lost"),
    path("cards/<int:pk>/revoke/", views.RevokeView.as_view(), name="card_revoke"),
    path("holders/", views.HolderListView.as_view(), name="holder_list"),
    path("holders/new/", views.HolderEditView.as_view(), name="holder_create"),
    path("holders/<int:pk>/", views.HolderDetailView.as_view(), name="holder_detail"),
    path("holders/<int:pk>/edit/", views.HolderEditView.as_view(), name="holder_edit"),
    path("figures/", views.stats, name="stats"),
    path("v/<str:token>/", views.verify, name="verify"),
    *views.CARD_IMPORT.urls(),
]
