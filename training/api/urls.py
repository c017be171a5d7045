from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("camps", views.CampViewSet, basename="api-training-camp")
router.register("sessions", views.SessionViewSet, basename="api-training-session")
router.register("trainers", views.TrainerViewSet, basename="api-training-trainer")
router.register("quotas", views.QuotaViewSet, basename="api-training-quota")
router.register("enrolments", views.EnrolmentViewSet, basename="api-training-enrolment")
router.register("attendance", views.AttendanceViewSet, basename="api-training-attendance")
router.register("certificates", views.CertificateViewSet, basename="api-training-certificate")
router.register("people", views.TraineeViewSet, basename="api-training-trainee")

urlpatterns = router.urls
