from django.urls import path
from django.views.generic import RedirectView

from . import assessor_views, public_views, views

app_name = "evaluation"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="evaluation:round_list"), name="index"),
    # Indicator systems
    path("systems/", views.SystemListView.as_view(), name="system_list"),
    path("systems/new/", views.SystemEditView.as_view(), name="system_create"),
    path("systems/<int:pk>/", views.SystemDetailView.as_view(), name="system_detail"),
    path("systems/<int:pk>/edit/", views.SystemEditView.as_view(), name="system_edit"),
    path("systems/<int:pk>/publish/", views.PublishSystemView.as_view(), name="system_publish"),
    path("systems/<int:pk>/new-version/", views.NewVersionView.as_view(), name="system_new_version"),
    path("systems/<int:system>/indicators/new/", views.IndicatorEditView.as_view(), name="indicator_create"),
    path("indicators/<int:pk>/edit/", views.IndicatorEditView.as_view(), name="indicator_edit"),
    path("indicators/<int:pk>/delete/", views.DeleteIndicatorView.as_view(), name="indicator_delete"),
    # Rounds
    path("rounds/", views.RoundListView.as_view(), name="round_list"),
    path("rounds/new/", views.RoundEditView.as_view(), name="round_create"),
    path("rounds/<int:pk>/", views.RoundDetailView.as_view(), name="round_detail"),
    path("rounds/<int:pk>/edit/", views.RoundEditView.as_view(), name="round_edit"),
    path("rounds/<int:pk>/open/", views.OpenRoundView.as_view(), name="round_open"),
    path("rounds/<int:pk>/start-scoring/", views.StartScoringView.as_view(), name="round_start_scoring"),
    path("rounds/<int:pk>/enter/", views.EnterSubjectView.as_view(), name="subject_enter"),
    path("rounds/<int:pk>/enter-bases/", views.EnterAllBasesView.as_view(), name="round_enter_bases"),
    path("rounds/<int:pk>/panels/", views.AssignPanelsView.as_view(), name="round_assign_panels"),
    path("rounds/<int:pk>/aggregate/", views.AggregateView.as_view(), name="round_aggregate"),
    path("rounds/<int:pk>/publish/", views.PublishResultsView.as_view(), name="round_publish"),
    path("rounds/<int:pk>/finalise/", views.FinaliseView.as_view(), name="round_finalise"),
    path("rounds/<int:pk>/certificates/", views.IssueCertificatesView.as_view(), name="round_certificates"),
    path("rounds/<int:pk>/certificates/bundle/", views.CertificateBundleView.as_view(), name="round_bundle"),
    path("rounds/<int:pk>/results/", views.RoundResultsView.as_view(), name="round_results"),
    path("rounds/<int:pk>/results.xlsx", views.round_results_xlsx, name="round_results_xlsx"),
    path("rounds/<int:pk>/scores.xlsx", views.round_scores_xlsx, name="round_scores_xlsx"),
    path("rounds/<int:pk>/apply/", views.round_apply, name="round_apply"),
    # Subjects
    path("subjects/", views.SubjectListView.as_view(), name="subject_list"),
    path("subjects/moderation/", views.ModerationListView.as_view(), name="moderation_list"),
    path("subjects/<int:pk>/", views.SubjectDetailView.as_view(), name="subject_detail"),
    path(
        "subjects/<int:pk>/self-assessment/",
        views.SelfAssessmentView.as_view(),
        name="subject_self_assessment",
    ),
    path("subjects/<int:pk>/evidence/", views.AddEvidenceView.as_view(), name="evidence_add"),
    path("subjects/<int:pk>/submit/", views.SubmitSelfAssessmentView.as_view(), name="subject_submit"),
    path("subjects/<int:pk>/admit/", views.AdmitSubjectView.as_view(), name="subject_admit"),
    path("subjects/<int:pk>/decline/", views.DeclineSubjectView.as_view(), name="subject_decline"),
    path("subjects/<int:pk>/withdraw/", views.WithdrawSubjectView.as_view(), name="subject_withdraw"),
    path("subjects/<int:pk>/reopen/", views.ReopenSubjectView.as_view(), name="subject_reopen"),
    path("subjects/<int:pk>/assign/", views.AssignAssessorView.as_view(), name="subject_assign"),
    path("subjects/<int:pk>/certificate/", views.IssueCertificateView.as_view(), name="subject_certificate"),
    path("subjects/<int:pk>/appeal/", views.AppealView.as_view(), name="subject_appeal"),
    path("evidence/<int:pk>/", views.evidence_open, name="evidence_open"),
    path("evidence/<int:pk>/remove/", views.RemoveEvidenceView.as_view(), name="evidence_remove"),
    path("results/<int:pk>/moderate/", views.ModerateView.as_view(), name="result_moderate"),
    # Panels
    path("assignments/", views.AssignmentListView.as_view(), name="assignment_list"),
    path(
        "assignments/<int:pk>/withdraw/", views.WithdrawAssignmentView.as_view(), name="assignment_withdraw"
    ),
    path("experts/", views.ExpertListView.as_view(), name="expert_list"),
    path("experts/new/", views.ExpertEditView.as_view(), name="expert_create"),
    path("experts/<int:pk>/edit/", views.ExpertEditView.as_view(), name="expert_edit"),
    # The assessor's portal
    path("my/", assessor_views.my_assignments, name="my_assignments"),
    path("my/<int:pk>/", assessor_views.assignment_score, name="assignment_score"),
    path("my/<int:pk>/scores/<int:indicator_pk>/", assessor_views.score_save, name="score_save"),
    path("my/<int:pk>/submit/", assessor_views.SubmitScoresView.as_view(), name="assignment_submit"),
    path("my/<int:pk>/conflict/", assessor_views.DeclareConflictView.as_view(), name="assignment_conflict"),
    # Objections, appeals, ratings, certificates
    path("objections/", views.ObjectionListView.as_view(), name="objection_list"),
    path("objections/open/", views.OpenObjectionListView.as_view(), name="open_objection_list"),
    path("objections/<int:pk>/", views.ObjectionDetailView.as_view(), name="objection_detail"),
    path("objections/<int:pk>/answer/", views.AnswerObjectionView.as_view(), name="objection_answer"),
    path("objections/<int:pk>/file/", views.objection_file, name="objection_file"),
    path("appeals/<int:pk>/decide/", views.DecideAppealView.as_view(), name="appeal_decide"),
    path("ratings/", views.RatingListView.as_view(), name="rating_list"),
    path("certificates/", views.CertificateListView.as_view(), name="certificate_list"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/bundles/<int:job_pk>/", views.certificate_bundle, name="certificate_bundle"),
    # Service projects
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.ProjectEditView.as_view(), name="project_create"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<int:pk>/edit/", views.ProjectEditView.as_view(), name="project_edit"),
    # The subject's own side
    path("mine/", views.my_ratings, name="my_ratings"),
    # Public pages
    path("notices/", public_views.notice_list, name="notice_list"),
    path("notices/<int:pk>/", public_views.notice_detail, name="notice_detail"),
    path("notices/subjects/<int:pk>/objection/", public_views.objection_create, name="objection_create"),
    path("verify/", public_views.verify, name="verify"),
    path("verify/<str:code>/", public_views.verify, name="verify_code"),
]
