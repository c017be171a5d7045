"""Jurisdiction of the star-rating records (tests/jurisdiction.py): pages, API and querysets.
The round's unit owns a round's records; an assessor's and a subject's own rights are
tested in test_access.py."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from evaluation.models import (
    Appeal,
    Assignment,
    Certificate,
    Claim,
    Evidence,
    Expert,
    Indicator,
    IndicatorResult,
    IndicatorSystem,
    Objection,
    Rating,
    Round,
    Score,
    ServiceProject,
    Subject,
)
from tests.jurisdiction import JurisdictionCases

from . import records


def foshan_draft(ctx) -> IndicatorSystem:
    # A draft: a published system is shared with every cadre (a round may use any of them,
    # evaluation.services._published_system), a draft only within its unit's jurisdiction.
    return records.system(ctx.foshan, status="draft", name="佛山外域指标体系")


class TestIndicatorSystem(JurisdictionCases):
    model = IndicatorSystem
    read_pages = {"detail": "evaluation:system_detail"}
    pages = {
        "edit": "evaluation:system_edit",
        "publish": "evaluation:system_publish",
        "new_version": "evaluation:system_new_version",
    }
    api = "/api/evaluation/systems/"
    api_methods = ("get", "patch", "put")
    patch_body = {"name": "改", "version": 1}

    def build(self, ctx):
        return records.system(ctx.zhongshan, status="draft")  # a published one is shared with every cadre


class TestIndicator(JurisdictionCases):
    model = Indicator
    pages = {"edit": "evaluation:indicator_edit", "delete": "evaluation:indicator_delete"}
    api = "/api/evaluation/indicators/"
    api_methods = ("get", "patch", "put", "delete")
    patch_body = {"name": "改"}
    open_relations = {
        "checklist_item": "the province's one standard manual (incubation.ChecklistItem has no owner)",
    }

    def build(self, ctx):
        return records.leaf(records.system(ctx.zhongshan, status="draft"))

    def foreign_records(self, ctx):
        system = foshan_draft(ctx)
        return {IndicatorSystem: system, Indicator: records.leaf(system)}


class TestRound(JurisdictionCases):
    model = Round
    read_pages = {
        "detail": "evaluation:round_detail",
        "results": "evaluation:round_results",
        "results_xlsx": "evaluation:round_results_xlsx",
        "scores_xlsx": "evaluation:round_scores_xlsx",
    }
    pages = {
        "edit": "evaluation:round_edit",
        "open": "evaluation:round_open",
        "start": "evaluation:round_start_scoring",
        "enter": "evaluation:subject_enter",
        "enter_bases": "evaluation:round_enter_bases",
        "panels": "evaluation:round_assign_panels",
        "aggregate": "evaluation:round_aggregate",
        "publish": "evaluation:round_publish",
        "finalise": "evaluation:round_finalise",
        "certificates": "evaluation:round_certificates",
        "bundle": "evaluation:round_bundle",
    }
    api = "/api/evaluation/rounds/"
    api_methods = ("get", "patch", "put")
    patch_body = {"name": "改", "version": 1}

    def build(self, ctx):
        return records.round_of(ctx.zhongshan)

    def foreign_records(self, ctx):
        return {IndicatorSystem: foshan_draft(ctx)}


class TestSubject(JurisdictionCases):
    model = Subject
    read_pages = {"detail": "evaluation:subject_detail"}
    pages = {
        "admit": "evaluation:subject_admit",
        "decline": "evaluation:subject_decline",
        "withdraw": "evaluation:subject_withdraw",
        "reopen": "evaluation:subject_reopen",
        "assign": "evaluation:subject_assign",
        "certificate": "evaluation:subject_certificate",
        "self_assessment": "evaluation:subject_self_assessment",
        "evidence": "evaluation:evidence_add",
        "submit": "evaluation:subject_submit",
        "appeal": "evaluation:subject_appeal",
    }
    api = "/api/evaluation/subjects/"

    def build(self, ctx):
        return records.subject_of(ctx.zhongshan)


class TestClaim(JurisdictionCases):
    model = Claim
    api = "/api/evaluation/claims/"

    def build(self, ctx):
        return records.claim_of(ctx.zhongshan)


class TestEvidence(JurisdictionCases):
    model = Evidence
    read_pages = {"open": "evaluation:evidence_open"}
    pages = {"remove": "evaluation:evidence_remove"}
    api = "/api/evaluation/evidence/"

    def build(self, ctx):
        return records.evidence_of(ctx.zhongshan)


class TestExpert(JurisdictionCases):
    model = Expert
    pages = {"edit": "evaluation:expert_edit"}
    api = "/api/evaluation/experts/"
    api_methods = ("get", "patch", "put")
    patch_body = {"expertise": "改", "version": 1}
    # Assessors are accounts of the whole portal, of no unit: a pool takes any of them (the
    # form lists every active assessor, evaluation.forms.ExpertForm).
    open_relations = {"user": "any assessor account may join a unit's pool"}

    def build(self, ctx):
        return records.expert_of(ctx.zhongshan)


class TestAssignment(JurisdictionCases):
    model = Assignment
    pages = {"withdraw": "evaluation:assignment_withdraw"}
    api = "/api/evaluation/assignments/"

    def build(self, ctx):
        # A subject still being assessed: its panel takes assessors, so a foreign one sent in
        # a body meets the pool's rule, not the "results are in" refusal.
        return records.assignment_of(records.subject_of(ctx.zhongshan, result="pending"), status="assigned")

    def foreign_records(self, ctx):
        # An assessor of 佛山's pool only: a panel draws on its round's pools.
        return {get_user_model(): records.expert_of(ctx.foshan).user}


class TestScore(JurisdictionCases):
    model = Score
    api = "/api/evaluation/scores/"

    def build(self, ctx):
        return records.score_of(ctx.zhongshan)

    def foreign_records(self, ctx):
        return {Indicator: records.leaf(records.system(ctx.foshan, name="佛山外域指标体系"))}


class TestIndicatorResult(JurisdictionCases):
    model = IndicatorResult
    pages = {"moderate": "evaluation:result_moderate"}
    api = "/api/evaluation/results/"

    def build(self, ctx):
        return records.result_of(ctx.zhongshan)


class TestObjection(JurisdictionCases):
    model = Objection
    read_pages = {"detail": "evaluation:objection_detail"}
    pages = {"answer": "evaluation:objection_answer"}
    api = "/api/evaluation/objections/"

    def build(self, ctx):
        return records.objection_of(ctx.zhongshan)


class TestAppeal(JurisdictionCases):
    model = Appeal
    pages = {"decide": "evaluation:appeal_decide"}
    api = "/api/evaluation/appeals/"

    def build(self, ctx):
        return records.appeal_of(ctx.zhongshan)


class TestRating(JurisdictionCases):
    model = Rating
    api = "/api/evaluation/ratings/"

    def build(self, ctx):
        return records.rating_of(ctx.zhongshan)


class TestCertificate(JurisdictionCases):
    model = Certificate
    read_pages = {"pdf": "evaluation:certificate_pdf"}
    api = "/api/evaluation/certificates/"

    def build(self, ctx):
        return records.certificate_of(ctx.zhongshan)


class TestServiceProject(JurisdictionCases):
    model = ServiceProject
    read_pages = {"detail": "evaluation:project_detail"}
    pages = {"edit": "evaluation:project_edit"}
    api = "/api/evaluation/projects/"
    api_methods = ("get", "patch", "put")
    patch_body = {"funder": "改", "version": 1}

    def build(self, ctx):
        return records.project_of(ctx.zhongshan)
