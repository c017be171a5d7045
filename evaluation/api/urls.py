from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("systems", views.SystemViewSet, basename="api-evaluation-system")
router.register("indicators", views.IndicatorViewSet, basename="api-evaluation-indicator")
router.register("rounds", views.RoundViewSet, basename="api-evaluation-round")
router.register("subjects", views.SubjectViewSet, basename="api-evaluation-subject")
router.register("claims", views.ClaimViewSet, basename="api-evaluation-claim")
router.register("evidence", views.EvidenceViewSet, basename="api-evaluation-evidence")
router.register("assignments", views.AssignmentViewSet, basename="api-evaluation-assignment")
router.register("scores", views.ScoreViewSet, basename="api-evaluation-score")
router.register("results", views.ResultViewSet, basename="api-evaluation-result")
router.register("objections", views.ObjectionViewSet, basename="api-evaluation-objection")
router.register("appeals", views.AppealViewSet, basename="api-evaluation-appeal")
router.register("ratings", views.RatingViewSet, basename="api-evaluation-rating")
router.register("certificates", views.CertificateViewSet, basename="api-evaluation-certificate")
router.register("experts", views.ExpertViewSet, basename="api-evaluation-expert")
router.register("projects", views.ProjectViewSet, basename="api-evaluation-project")

urlpatterns = router.urls
