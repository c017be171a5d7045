"""Public URLs of the registry: the directory, self-registration and the group's own pages.

Mounted at the site root by `hubportal/urls.py`; the paths start with `directory/` and
`register/`.
"""

from django.urls import path

from . import public_views

app_name = "orgs_public"

# The navigation entries live with the public views (the app config belongs to the core pages).
public_views.register()

urlpatterns = [
    path("directory/", public_views.directory, name="directory"),
    path("directory/<int:pk>/", public_views.directory_detail, name="directory_detail"),
    path("directory/mine/", public_views.my_organizations, name="my_organizations"),
    path("directory/mine/<int:pk>/", public_views.my_organization, name="my_organization"),
    path("directory/mine/<int:pk>/edit/", public_views.my_organization_edit, name="my_organization_edit"),
    path("register/", public_views.register_start, name="register"),
    path("register/towns/", public_views.register_towns, name="register_towns"),
    path("register/<slug:step>/", public_views.register_step, name="register_step"),
]
