from django.urls import path
from django.views.generic import RedirectView

from . import public_views, views

app_name = "cobuilding"

urlpatterns = [
    # /cobuilding/ itself leads to the app's main page rather than a 404.
    path("", RedirectView.as_view(pattern_name="cobuilding:committee_list"), name="index"),
    path("committees/", views.CommitteeListView.as_view(), name="committee_list"),
    path("committees/new/", views.CommitteeEditView.as_view(), name="committee_create"),
    path("committees/<int:pk>/", views.CommitteeDetailView.as_view(), name="committee_detail"),
    path("committees/<int:pk>/edit/", views.CommitteeEditView.as_view(), name="committee_edit"),
    path(
        "committees/<int:committee_pk>/member-units/new/",
        views.MemberUnitCreateView.as_view(),
        name="member_unit_create",
    ),
    path(
        "committees/<int:committee_pk>/chairs/new/",
        views.ChairTermCreateView.as_view(),
        name="chair_term_create",
    ),
    path(
        "committees/<int:committee_pk>/plans/new/",
        views.WorkPlanCreateView.as_view(),
        name="work_plan_create",
    ),
    path(
        "committees/<int:committee_pk>/meetings/new/",
        views.MeetingCreateView.as_view(),
        name="meeting_create",
    ),
    path("committees/<int:committee_pk>/venues/new/", views.VenueCreateView.as_view(), name="venue_create"),
    path("committees/<int:committee_pk>/people/new/", views.PersonCreateView.as_view(), name="person_create"),
    path(
        "committees/<int:committee_pk>/activities/new/",
        views.ActivityCreateView.as_view(),
        name="activity_create",
    ),
    path(
        "committees/<int:committee_pk>/funds/new/", views.FundingCreateView.as_view(), name="funding_create"
    ),
    path("member-units/", views.MemberUnitListView.as_view(), name="member_unit_list"),
    path("member-units/<int:pk>/", views.MemberUnitDetailView.as_view(), name="member_unit_detail"),
    path("member-units/<int:pk>/edit/", views.MemberUnitEditView.as_view(), name="member_unit_edit"),
    path("chairs/", views.ChairTermListView.as_view(), name="chair_term_list"),
    path("chairs/<int:pk>/", views.ChairTermDetailView.as_view(), name="chair_term_detail"),
    path("chairs/<int:pk>/edit/", views.ChairTermEditView.as_view(), name="chair_term_edit"),
    path("chairs/<int:pk>/delete/", views.ChairTermDeleteView.as_view(), name="chair_term_delete"),
    path("plans/", views.WorkPlanListView.as_view(), name="work_plan_list"),
    path("plans/<int:pk>/", views.WorkPlanDetailView.as_view(), name="work_plan_detail"),
    path("plans/<int:pk>/edit/", views.WorkPlanEditView.as_view(), name="work_plan_edit"),
    path("plans/<int:pk>/publish/", views.PublishWorkPlanView.as_view(), name="work_plan_publish"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.MeetingEditView.as_view(), name="meeting_edit"),
    path("venues/", views.VenueListView.as_view(), name="venue_list"),
    path("venues/<int:pk>/", views.VenueDetailView.as_view(), name="venue_detail"),
    path("venues/<int:pk>/edit/", views.VenueEditView.as_view(), name="venue_edit"),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("people/<int:pk>/edit/", views.PersonEditView.as_view(), name="person_edit"),
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<int:pk>/edit/", views.ActivityEditView.as_view(), name="activity_edit"),
    path("activities/<int:pk>/photos/", views.ActivityPhotoView.as_view(), name="activity_photo_add"),
    path("activities/photos/<int:pk>/", views.activity_photo, name="activity_photo"),
    path("funds/", views.FundingListView.as_view(), name="funding_list"),
    path("funds/<int:pk>/", views.FundingDetailView.as_view(), name="funding_detail"),
    path("funds/<int:pk>/edit/", views.FundingEditView.as_view(), name="funding_edit"),
    path("subsidies/", views.SubsidyListView.as_view(), name="subsidy_list"),
    path("subsidies/new/", views.SubsidyCreateView.as_view(), name="subsidy_create"),
    path("subsidies/<int:pk>/", views.SubsidyDetailView.as_view(), name="subsidy_detail"),
    path("standard/", views.standard_page, name="standard"),
    path("public/venues/", public_views.venue_list, name="public_venues"),
    path("public/venues/<int:pk>/", public_views.venue_detail, name="public_venue"),
    path("public/plans/", public_views.plan_list, name="public_plans"),
    path("public/plans/<int:pk>/", public_views.plan_detail, name="public_plan"),
]
