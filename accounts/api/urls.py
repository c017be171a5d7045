from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.me, name="api-me"),
    path("token/", views.TokenView.as_view(), name="api-token"),
]
