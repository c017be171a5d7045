from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tokens", views.ApiTokenViewSet, basename="api-tokens")

urlpatterns = [
    path("me/", views.me, name="api-me"),
    path("token/", views.TokenView.as_view(), name="api-token"),
    path("log-out-everywhere/", views.log_out_everywhere, name="api-log-out-everywhere"),
    *router.urls,
]
