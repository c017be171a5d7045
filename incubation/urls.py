from django.urls import path
from django.views.generic import RedirectView

from . import public_views, views

app_name = "incubation"

urlpatterns = [
    # /incubation/ itself leads to the app's main page rather than a 404.
    path("", RedirectView.as_view(pattern_name="incubation:base_list"), name="index"),
    path("bases/", views.BaseListView.as_view(), name="base_list"),
    path("bases/new/", views.BaseEditView.as_view(), name="base_create"),
    path("bases/<int:pk>/", views.BaseDetailView.as_view(), name="base_detail"),
    path("bases/<int:pk>/edit/", views.BaseEditView.as_view(), name="base_edit"),
    path("bases/<int:pk>/checklist/", views.BaseChecklistView.as_view(), name="base_checklist"),
    path("bases/<int:pk>/photos/", views.BasePhotoView.as_view(), name="base_photo_add"),
    path("residencies/", views.ResidencyListView.as_view(), name="residency_list"),
    path("residencies/new/", views.ResidencyCreateView.as_view(), name="residency_create"),
    path("residencies/<int:pk>/", views.ResidencyDetailView.as_view(), name="residency_detail"),
    path("residencies/<int:pk>/<slug:action>/", views.residency_step, name="residency_action"),
    path("funds/", views.FundListView.as_view(), name="fund_list"),
    path("funds/new/", views.FundEditView.as_view(), name="fund_create"),
    path("funds/<int:pk>/", views.FundDetailView.as_view(), name="fund_detail"),
    path("funds/<int:pk>/edit/", views.FundEditView.as_view(), name="fund_edit"),
    path("funds/<int:pk>/raise/", views.RaiseMoneyView.as_view(), name="fund_raise"),
    path("funds/<int:pk>/grant/", views.GrantMoneyView.as_view(), name="fund_grant"),
    path("funds/<int:pk>/statement.xlsx", views.FundStatementView.as_view(), name="fund_statement"),
    path("movements/<int:pk>/reverse/", views.ReverseGrantView.as_view(), name="grant_reverse"),
    path("public/", public_views.base_list, name="public_list"),
    path("map/", public_views.base_map, name="public_map"),
    path("public/<int:pk>/", public_views.base_detail, name="public_detail"),
    path("public/photos/<int:pk>/", public_views.photo, name="photo"),
    path("public/<int:pk>/apply/", public_views.apply, name="public_apply"),
]
