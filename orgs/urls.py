from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/new/", views.UnitEditView.as_view(), name="unit_create"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/edit/", views.UnitEditView.as_view(), name="unit_edit"),
    path("units/<int:pk>/delete/", views.UnitDeleteView.as_view(), name="unit_delete"),
]
