from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("bases", views.BaseViewSet, basename="api-incubation-base")
router.register("residencies", views.ResidencyViewSet, basename="api-incubation-residency")
router.register("services", views.ServiceDeliveryViewSet, basename="api-incubation-service")
router.register("funds", views.FundViewSet, basename="api-incubation-fund")
router.register("grants", views.FundMovementViewSet, basename="api-incubation-grant")

urlpatterns = router.urls
