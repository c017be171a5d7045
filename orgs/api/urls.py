from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("units", views.LeagueUnitViewSet, basename="api-unit")
router.register("organizations", views.OrganizationViewSet, basename="api-organization")
router.register("backbone-members", views.BackboneMemberViewSet, basename="api-backbone-member")
router.register("league-building", views.LeagueBuildingViewSet, basename="api-league-building")
router.register("contact-log", views.ContactLogViewSet, basename="api-contact-log")
router.register("direct-contacts", views.DirectContactViewSet, basename="api-direct-contact")

urlpatterns = router.urls
