from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "reporting"

urlpatterns = [
    # /reporting/ itself leads to the app's main page rather than a 404.
    path("", RedirectView.as_view(pattern_name="reporting:dashboard"), name="index"),
    path("forms/", views.FormListView.as_view(), name="form_list"),
    path("forms/<int:pk>/", views.FormDetailView.as_view(), name="form_detail"),
    path("reports/", views.ReportListView.as_view(), name="report_list"),
    path("reports/open/", views.open_report, name="report_open"),
    path("reports/approvals/", views.ApprovalListView.as_view(), name="approval_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("values/<int:pk>/attachment/", views.report_attachment, name="attachment"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", views.ReportSubmitView.as_view(), name="report_submit"),
    path("reports/<int:pk>/approve/", views.ReportApproveView.as_view(), name="report_approve"),
    path("reports/<int:pk>/return/", views.ReportReturnView.as_view(), name="report_return"),
    path("reports/<int:pk>/unlock/", views.ReportUnlockRequestView.as_view(), name="report_unlock_request"),
    path("reports/<int:pk>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("reports/<int:pk>/upload/", views.ReportUploadView.as_view(), name="report_upload"),
    path("unlocks/<int:pk>/decide/", views.UnlockDecideView.as_view(), name="unlock_decide"),
    path("completeness/", views.completeness_view, name="completeness"),
    path("completeness/xlsx/", views.completeness_export, name="completeness_xlsx"),
    path("completeness/figures.xlsx", views.monthly_figures_export, name="monthly_figures_xlsx"),
    path("reports/figures/", views.report_list_figures, name="report_list_figures"),
    path("briefing/", views.briefing_view, name="briefing"),
    path("spot-checks/", views.SpotCheckListView.as_view(), name="spotcheck_list"),
    path("spot-checks/new/", views.spotcheck_create, name="spotcheck_create"),
    path("spot-checks/<int:pk>/", views.spotcheck_detail, name="spotcheck_detail"),
    path("spot-checks/<int:pk>/xlsx/", views.spotcheck_export, name="spotcheck_xlsx"),
    path("spot-checks/<int:pk>/assign/", views.SpotCheckAssignView.as_view(), name="spotcheck_assign"),
    path(
        "spot-checks/items/<int:pk>/outcome/", views.SpotCheckOutcomeView.as_view(), name="spotcheck_outcome"
    ),
    path("programmes/", views.ProgrammeListView.as_view(), name="programme_list"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("targets/", views.dashboard, name="dashboard"),
    path("targets/xlsx/", views.dashboard_export, name="dashboard_xlsx"),
    path("targets/run/", views.run_tracking, name="run_tracking"),
    path("targets/inspection/", views.inspection_export, name="inspection_export"),
    path("targets/ranking/", views.ranking_view, name="ranking"),
    path("quarters/", views.quarters, name="quarters"),
    path("quarters/close/", views.close_quarter, name="quarter_close"),
    path("quarters/reopen/", views.reopen_quarter, name="quarter_reopen"),
    path("snapshots/<int:pk>/", views.snapshot_drilldown, name="snapshot_drilldown"),
]
