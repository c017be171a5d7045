"""The URL root. Each app mounts its pages at /<app>/ and its API at /api/<app>/."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAdminUser

from . import views

API_DOCS_STYLES = csp_update({"style-src": ["'unsafe-inline'"]})

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static_url("favicon.ico"), permanent=True)),
    path("healthz", views.healthz, name="healthz"),
    path("jobs/<int:pk>/", views.job_progress, name="job_progress"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("orgs/", include("orgs.urls")),
    path("orgs/", include("orgs.urls_flow")),
    path("", include("orgs.urls_public")),
    path("reporting/", include("reporting.urls")),
    path("incubation/", include("incubation.urls")),
    path("training/", include("training.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("cobuilding/", include("cobuilding.urls")),
    path("cards/", include("cards.urls")),
    path("api/accounts/", include("accounts.api.urls")),
    path("api/orgs/", include("orgs.api.urls")),
    path("api/reporting/", include("reporting.api.urls")),
    path("api/incubation/", include("incubation.api.urls")),
    path("api/training/", include("training.api.urls")),
    path("api/evaluation/", include("evaluation.api.urls")),
    path("api/cobuilding/", include("cobuilding.api.urls")),
    path("api/cards/", include("cards.api.urls")),
    # The schema maps every endpoint and field: for authenticated staff only (the pages that
    # show it send anyone else to the admin's login).
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAdminUser]), name="api-schema"),
    # Swagger UI's own script is served at ?script (the CSP allows no inline script). Both
    # documentation pages inject their styles at run time, so they alone (staff only, no
    # records shown) allow inline styles; every other page allows none.
    path(
        "api/docs/",
        API_DOCS_STYLES(staff_member_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        API_DOCS_STYLES(staff_member_required(SpectacularRedocView.as_view(url_name="api-schema"))),
        name="api-redoc",
    ),
    path("admin/", admin.site.urls),
]
# Nothing is served from MEDIA_URL, not even with DEBUG: every uploaded file has its view,
# which checks who asks (hubportal.files).
