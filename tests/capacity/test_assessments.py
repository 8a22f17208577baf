"""Assessments score every domain of the grid on 1–4; progress shows as an inline SVG chart,
and the mission compares associations."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from himaya.capacity import queries, services
from himaya.capacity.models import Assessment, AssessmentDomain
from tests.capacity import builders as b


def test_default_grid_has_the_domains_of_the_brief(db):
    codes = set(AssessmentDomain.objects.values_list("code", flat=True))
    assert {"governance", "financial-management", "protection-safeguarding", "data-protection",
            "monitoring-evaluation", "advocacy", "local-authorities"} <= codes


def test_every_domain_must_be_scored_within_the_scale(world):
    grid = list(AssessmentDomain.objects.filter(is_active=True))
    with pytest.raises(ValidationError):
        services.assessment_record(actor=world.users["coord_a"], organisation=world.partner_a,
                                   assessed_on=dt.date(2021, 1, 1),
                                   scores={d: (2, "") for d in grid[1:]})
    with pytest.raises(ValidationError):
        services.assessment_record(actor=world.users["coord_a"], organisation=world.partner_a,
                                   assessed_on=dt.date(2021, 1, 1),
                                   scores={d: (5, "") for d in grid})
    assert not Assessment.objects.exists()


def test_coordinator_cannot_assess_another_association(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.assessment_record(
            actor=world.users["coord_b"], organisation=world.partner_a,
            assessed_on=dt.date(2021, 1, 1),
            scores={d: (2, "") for d in AssessmentDomain.objects.filter(is_active=True)},
        )


def test_progress_chart_and_comparison(world):
    b.assessment_of(world.partner_a, dt.date(2019, 10, 1), level=1)
    b.assessment_of(world.partner_a, dt.date(2022, 10, 1), level=3)
    page = world.client_for("donor").get(f"/capacity/associations/{world.partner_a.pk}/")
    body = page.content.decode()
    assert "<svg" in body and "<polyline" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body), "no inline script"
    assert 'style="' not in body
    grid, rows = queries.assessment_comparison(world.users["manager"])
    row = next(r for r in rows if r.organisation == world.partner_a)
    assert row.average == 3 and row.change == 2
    compare = world.client_for("government").get("/capacity/assessments/")
    assert compare.status_code == 200 and world.partner_a.name.encode() in compare.content


def test_assessment_form_records_scores(world):
    grid = list(AssessmentDomain.objects.filter(is_active=True))
    data = {"assessed_on": "2022-06-01", "notes": ""}
    data.update({f"score_{d.code}": "3" for d in grid})
    response = world.client_for("coord_a").post(
        f"/capacity/associations/{world.partner_a.pk}/assessments/new/", data)
    assert response.status_code == 302
    stored = Assessment.objects.get(organisation=world.partner_a)
    assert stored.scores.count() == len(grid) and stored.average == 3
