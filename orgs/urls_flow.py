"""Cadre-side URLs of the registration flow: the review queue, imports and exports.

Mounted at `/orgs/` after the core `orgs.urls`, with paths that do not clash with it.
"""

from django.urls import path

from . import import_views, review_views

app_name = "orgs_flow"

urlpatterns = [
    path("review/", review_views.review_queue, name="review_queue"),
    path("review/<int:pk>/", review_views.ReviewDetailView.as_view(), name="review_detail"),
    *import_views.IMPORT.urls(),
    path("export/organizations.csv", import_views.export_organizations, {"fmt": "csv"}, name="export_csv"),
    path("export/organizations.xlsx", import_views.export_organizations, {"fmt": "xlsx"}, name="export_xlsx"),
]
