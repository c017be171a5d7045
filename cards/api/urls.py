from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("cards", views.CardViewSet, basename="api-cards-card")
router.register("holders", views.HolderViewSet, basename="api-cards-holder")

urlpatterns = router.urls
