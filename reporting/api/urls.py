from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("forms", views.ReportFormViewSet, basename="api-reportform")
router.register("reports", views.ReportViewSet, basename="api-report")
router.register("values", views.ReportValueViewSet, basename="api-reportvalue")
router.register("approvals", views.ApprovalViewSet, basename="api-approval")
# Before spot-checks/: its detail route would otherwise read "items" as a spot check's id.
router.register("spot-checks/items", views.SpotCheckItemViewSet, basename="api-spotcheckitem")
router.register("spot-checks", views.SpotCheckViewSet, basename="api-spotcheck")
router.register("programmes", views.ProgrammeViewSet, basename="api-programme")
router.register("targets", views.TargetRuleViewSet, basename="api-targetrule")
router.register("snapshots", views.TargetSnapshotViewSet, basename="api-snapshot")
router.register("quarters", views.QuarterViewSet, basename="api-quarter")

urlpatterns = router.urls
