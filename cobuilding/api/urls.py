from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("committees", views.CommitteeViewSet, basename="api-cobuilding-committee")
router.register("member-units", views.MemberUnitViewSet, basename="api-cobuilding-member-unit")
router.register("chair-terms", views.ChairTermViewSet, basename="api-cobuilding-chair-term")
router.register("work-plans", views.WorkPlanViewSet, basename="api-cobuilding-work-plan")
router.register("meetings", views.MeetingViewSet, basename="api-cobuilding-meeting")
router.register("venues", views.VenueViewSet, basename="api-cobuilding-venue")
router.register("people", views.PersonViewSet, basename="api-cobuilding-person")
router.register("activities", views.ActivityViewSet, basename="api-cobuilding-activity")
router.register("funds", views.FundingViewSet, basename="api-cobuilding-funding")
router.register("subsidies", views.SubsidyViewSet, basename="api-cobuilding-subsidy")

urlpatterns = [path("standard/", views.StandardView.as_view(), name="api-cobuilding-standard"), *router.urls]
