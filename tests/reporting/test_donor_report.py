"""The donor report runs as a job, in French, English and Arabic, as PDF and XLSX; outside
viewers see aggregates only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from himaya.jobs.models import Job
from himaya.jobs.services import jobs_directory
from himaya.monitoring import services
from tests.monitoring import builders as b


@pytest.fixture
def framework(world):  # noqa: ANN001, ANN201
    cache.clear()
    programme = world.partner_a.agreements.first().programme
    people = [b.person(world.partner_a) for _ in range(12)]
    for person in people:
        b.deliver(programme, world.partner_a, "food-kit", dt.date(2021, 2, 1), to=person)
    b.deliver(programme, world.partner_a, "medical-assistance", dt.date(2021, 2, 1),
              to=people[0])
    period = services.period_create(actor=None, programme=programme, label="2021",
                                    start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31))
    indicator = services.indicator_save(
        actor=None, programme=programme, code="1.1", title_fr="Kits", title_ar="سلال",
        title_en="Kits", definition={"kind": "deliveries", "types": ["food-kit"]},
        disaggregations=["sex", "region"])
    services.target_set(actor=None, indicator=indicator, period=period, value=10)
    services.narrative_save(actor=None, programme=programme, heading_fr="Résumé",
                            body_fr="Texte du résumé.", heading_ar="ملخص", body_ar="نص")
    yield programme, period, people
    cache.clear()


@pytest.mark.parametrize("language, output", [("fr", "pdf"), ("ar", "pdf"), ("en", "xlsx")])
def test_donor_report_job_writes_the_file(world, framework, language, output,
                                          django_capture_on_commit_callbacks):
    programme, period, _people = framework
    client = world.client_for("manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:donor-report-start", kwargs={"pk": programme.pk}),
            {f"{programme.pk}-period": period.pk, f"{programme.pk}-language": language,
             f"{programme.pk}-format": output},
        )
    assert response.status_code == 302
    job = Job.objects.get(kind="reporting.donor_report")
    assert job.status == Job.Status.SUCCEEDED, job.error
    content = (jobs_directory() / job.result_file).read_bytes()
    assert content.startswith(b"%PDF" if output == "pdf" else b"PK")
    assert job.result["indicators"] == 1 and job.result["language"] == language


def test_bad_report_choice_is_refused(world, framework):
    programme, _period, _people = framework
    client = world.client_for("manager")
    response = client.post(reverse("reporting:donor-report-start", kwargs={"pk": programme.pk}),
                           {f"{programme.pk}-language": "xx", f"{programme.pk}-format": "doc"})
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_donor_sees_aggregates_only(world, framework):
    programme, _period, people = framework
    from himaya.monitoring.models import Indicator

    indicator = Indicator.objects.get(programme=programme, code="1.1")
    client = world.client_for("donor")
    pages = [
        client.get(reverse("monitoring:programme", kwargs={"pk": programme.pk})),
        client.get(reverse("monitoring:indicator", kwargs={"pk": indicator.pk}) + "?by=sex&by=region"),
        client.get(reverse("api-public-figures")),
    ]
    for page in pages:
        assert page.status_code == 200
        body = page.content.decode()
        for person in people:
            assert person.code not in body and person.code_display not in body
    # The donor's indicator page shows the protected breakdown, not the definition.
    assert "definition" not in pages[1].content.decode().lower() or "<code>" not in pages[1].content.decode()
    assert client.get(reverse("monitoring:quality", kwargs={"pk": programme.pk})).status_code == 403
