from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "orgs"

urlpatterns = [
    # /orgs/ itself leads to the app's main page rather than a 404.
    path("", RedirectView.as_view(pattern_name="orgs:organization_list"), name="index"),
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/new/", views.UnitEditView.as_view(), name="unit_create"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/edit/", views.UnitEditView.as_view(), name="unit_edit"),
    path("units/<int:pk>/delete/", views.UnitDeleteView.as_view(), name="unit_delete"),
    # The organization registry
    path("organizations/", views.OrganizationListView.as_view(), name="organization_list"),
    path("organizations/new/", views.OrganizationEditView.as_view(), name="organization_create"),
    path("organizations/<int:pk>/", views.OrganizationDetailView.as_view(), name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.OrganizationEditView.as_view(), name="organization_edit"),
    path(
        "organizations/<int:pk>/delete/", views.OrganizationDeleteView.as_view(), name="organization_delete"
    ),
    path(
        "organizations/<int:pk>/status/", views.OrganizationStatusView.as_view(), name="organization_status"
    ),
    path(
        "organizations/<int:pk>/review/", views.OrganizationReviewView.as_view(), name="organization_review"
    ),
    path(
        "organizations/<int:org_pk>/backbone/new/",
        views.BackboneMemberEditView.as_view(),
        name="backbone_create",
    ),
    path("backbone/<int:pk>/edit/", views.BackboneMemberEditView.as_view(), name="backbone_edit"),
    path("backbone/<int:pk>/delete/", views.BackboneMemberDeleteView.as_view(), name="backbone_delete"),
    path(
        "organizations/<int:org_pk>/league-building/new/",
        views.LeagueBuildingEditView.as_view(),
        name="league_building_create",
    ),
    path(
        "league-building/<int:pk>/edit/", views.LeagueBuildingEditView.as_view(), name="league_building_edit"
    ),
    path(
        "league-building/<int:pk>/delete/",
        views.LeagueBuildingDeleteView.as_view(),
        name="league_building_delete",
    ),
    path(
        "organizations/<int:org_pk>/contact-log/new/",
        views.ContactLogEditView.as_view(),
        name="contact_log_create",
    ),
    path("contact-log/<int:pk>/edit/", views.ContactLogEditView.as_view(), name="contact_log_edit"),
    path("contact-log/<int:pk>/delete/", views.ContactLogDeleteView.as_view(), name="contact_log_delete"),
    path(
        "organizations/<int:org_pk>/direct-contacts/new/",
        views.DirectContactEditView.as_view(),
        name="direct_contact_create",
    ),
    path("direct-contacts/<int:pk>/edit/", views.DirectContactEditView.as_view(), name="direct_contact_edit"),
    path(
        "direct-contacts/<int:pk>/delete/",
        views.DirectContactDeleteView.as_view(),
        name="direct_contact_delete",
    ),
    path("organizations/<int:pk>/documents/", views.DocumentUploadView.as_view(), name="document_upload"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("documents/<int:pk>/delete/", views.DocumentDeleteView.as_view(), name="document_delete"),
    path("saved-filters/", views.saved_filter_create, name="saved_filter_create"),
    path("saved-filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
]
