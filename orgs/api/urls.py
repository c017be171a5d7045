from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("units", views.LeagueUnitViewSet, basename="api-unit")

urlpatterns = router.urls
