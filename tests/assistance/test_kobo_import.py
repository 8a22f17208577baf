"""Kobo/ODK check-in submissions uploaded for a distribution (JSON or XLSX export): imported
through the idempotent sync path, a row at a time all or nothing, bad rows reported."""

from __future__ import annotations

import io
import json
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from himaya.assistance.models import Delivery, DistributionTarget, EntitlementRule
from himaya.audit.models import AuditEvent
from himaya.vouchers.models import Voucher
from tests.assistance.factories import distribution_of, kind, programme_of, stocked_warehouse
from tests.registry.factories import make_person

PAGE = "assistance:distribution-kobo-import"
API = "api-assistance-distribution-kobo-import"


def submission(person, outcome="delivered", **extra):  # noqa: ANN001, ANN003, ANN201
    return {"meta/instanceID": f"uuid:{uuid.uuid4()}", "person": person.code, "outcome": outcome,
            "_submission_time": "2021-03-15T10:12:00", **extra}


def as_json(submissions, wrapped=True):  # noqa: ANN001, ANN201
    body = {"count": len(submissions), "results": submissions} if wrapped else submissions
    return SimpleUploadedFile("export.json", json.dumps(body).encode(), content_type="application/json")


def as_xlsx(submissions):  # noqa: ANN001, ANN201
    book = Workbook()
    sheet = book.active
    header = ["start", "person", "outcome", "reason", "meta/instanceID", "_uuid"]
    sheet.append(header)
    for s in submissions:
        sheet.append(["2021-03-15T10:00:00", s["person"], s["outcome"], s.get("reason", ""),
                      s["meta/instanceID"], s["meta/instanceID"].removeprefix("uuid:")])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("export.xlsx", out.getvalue())


def upload(client, distribution, file):  # noqa: ANN001, ANN201
    return client.post(reverse(PAGE, args=[distribution.pk]), {"file": file})


def test_a_json_export_imports_once_and_twice_creates_nothing(world):
    people = [make_person(world.partner_a) for _ in range(3)]
    distribution = distribution_of(world.partner_a, people, types=("food-voucher",), status="in_progress")
    rows = [submission(people[0]), submission(people[1]), submission(people[2], "refused", reason="déménage")]
    client = world.client_for("agent_a")
    page = upload(client, distribution, as_json(rows))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    result = page.context["result"]
    assert [r.status for r in result.rows] == ["created", "created", "refusal"]
    assert Delivery.objects.filter(distribution=distribution, source="kobo").count() == 2
    # Voucher deliveries are real vouchers, their codes shown on the result page only.
    assert Voucher.objects.filter(delivery__distribution=distribution).count() == 2
    assert page.content.count(b'data-testid="issued-code"') == 2
    target = DistributionTarget.objects.get(distribution=distribution, person=people[2])
    assert (target.status, target.reason) == ("refused", "déménage")
    again = upload(client, distribution, as_json(rows, wrapped=False))
    assert [r.status for r in again.context["result"].rows] == ["replayed", "replayed", "refusal_replayed"]
    assert Delivery.objects.filter(distribution=distribution).count() == 2
    assert Voucher.objects.filter(delivery__distribution=distribution).count() == 2
    assert AuditEvent.objects.filter(action="distribution.kobo_import").count() == 2


def test_an_xlsx_export_imports_the_same_way(world):
    people = [make_person(world.partner_a) for _ in range(2)]
    warehouse = stocked_warehouse(world.partner_a, kits=5)
    distribution = distribution_of(world.partner_a, people, warehouse=warehouse, types=("food-kit",),
                                   status="in_progress")
    rows = [submission(p) for p in people]
    client = world.client_for("coord_a")
    first = upload(client, distribution, as_xlsx(rows))
    assert first.status_code == 200
    assert [r.status for r in first.context["result"].rows] == ["created", "created"]
    assert set(Delivery.objects.filter(distribution=distribution).values_list("person", flat=True)) == {
        p.pk for p in people}
    second = upload(client, distribution, as_xlsx(rows))
    assert [r.status for r in second.context["result"].rows] == ["replayed", "replayed"]
    assert Delivery.objects.filter(distribution=distribution).count() == 2


def test_bad_rows_are_reported_with_their_reason_and_nothing_of_them_is_kept(world):
    on_list = [make_person(world.partner_a) for _ in range(3)]
    stranger = make_person(world.partner_a)
    # The second type of the distribution is refused by a rule for one person: their food
    # voucher, which alone would pass, must not be kept either.
    EntitlementRule.objects.create(programme=programme_of(world.partner_a), assistance_type=kind("hygiene-kit"),
                                   max_per_person=0)
    warehouse = stocked_warehouse(world.partner_a, kits=5)
    distribution = distribution_of(world.partner_a, on_list, warehouse=warehouse,
                                   types=("food-voucher", "hygiene-kit"), status="in_progress")
    rows = [submission(on_list[0]), submission(stranger), {"person": on_list[1].code, "outcome": "delivered"},
            submission(on_list[2], outcome="maybe"), submission(on_list[2], distribution=distribution.pk + 1)]
    page = world.client_for("agent_a").post(reverse(PAGE, args=[distribution.pk]), {"file": as_json(rows)},
                                            HTTP_ACCEPT_LANGUAGE="fr")
    result = page.context["result"]
    assert [r.status for r in result.rows] == ["failed"] * 5
    assert "Kit d'hygiène" in " ".join(result.rows[0].errors)  # the rule, in French
    assert "liste" in " ".join(result.rows[1].errors)  # in the user's language (French)
    assert "instanceID" in " ".join(result.rows[2].errors)
    assert result.rows[3].errors
    assert "formulaire" in " ".join(result.rows[4].errors)  # another distribution's form
    assert not Delivery.objects.filter(distribution=distribution).exists()
    assert not Voucher.objects.filter(person__in=on_list).exists()
    assert b"table-danger" in page.content


def test_a_file_that_cannot_be_read_imports_nothing(world):
    person = make_person(world.partner_a)
    distribution = distribution_of(world.partner_a, [person], types=("food-voucher",), status="in_progress")
    page = upload(world.client_for("agent_a"), distribution, SimpleUploadedFile("x.json", b"{not json"))
    assert page.status_code == 400 and page.context["result"] is None
    draft = distribution_of(world.partner_a, [person], types=("food-voucher",))
    refused = upload(world.client_for("agent_a"), draft, as_json([submission(person)]))
    assert refused.status_code == 400
    assert not Delivery.objects.exists()


def test_the_api_takes_a_file_or_a_json_body_and_answers_per_row(world):
    people = [make_person(world.partner_a) for _ in range(2)]
    distribution = distribution_of(world.partner_a, people, types=("food-voucher",), status="in_progress")
    client = world.client_for("agent_a")
    url = reverse(API, args=[distribution.pk])
    rows = [submission(people[0]), {**submission(people[1]), "person": "ZZZZ-ZZZZ-Z"}]
    answer = client.post(url, {"file": as_json(rows)})
    assert answer.status_code == 207
    body = answer.json()
    assert (body["created"], body["failed"]) == (1, 1)
    assert body["rows"][0]["vouchers"][0]["code"] and body["rows"][1]["errors"]
    replay = client.post(url, rows, content_type="application/json")
    assert replay.status_code == 207 and replay.json()["replayed"] == 1 and replay.json()["created"] == 0
    assert Delivery.objects.filter(distribution=distribution).count() == 1


def test_another_partners_distribution_is_not_found(world):
    person = make_person(world.partner_a)
    distribution = distribution_of(world.partner_a, [person], types=("food-voucher",), status="in_progress")
    client = world.client_for("coord_b")
    assert upload(client, distribution, as_json([submission(person)])).status_code == 404
    assert client.post(reverse(API, args=[distribution.pk]), {"file": as_json([submission(person)])}
                       ).status_code == 404
    assert not Delivery.objects.exists()
    # The distribution's page links the form and the import for its own staff.
    detail = world.client_for("coord_a").get(reverse("assistance:distribution-detail", args=[distribution.pk]))
    assert b'data-testid="kobo-import"' in detail.content and b'data-testid="xlsform"' in detail.content
