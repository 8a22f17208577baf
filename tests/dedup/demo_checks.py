"""On the demo database the Duplicates pages have a story: second registrations found by a
real run, part of the queue worked, a merge undone, an alert for the mission."""

from django.urls import reverse

from himaya.accounts.models import User
from himaya.dedup.models import CandidatePair, DedupRun, Merge, PairStatus, RegistrationAlert
from himaya.registry.models import Person
from tests.conftest import login_verified


def check_the_demo_has_duplicates_found_and_reviewed(client):
    """Called from tests/test_demo_scenario.py, which builds the demo once for every check."""
    run = DedupRun.objects.get()
    assert run.status == DedupRun.Status.DONE and run.records > 6000
    pairs = CandidatePair.objects.all()
    # Found by the engine, across associations too, and partly worked by the officer.
    assert pairs.filter(status=PairStatus.PENDING).count() > 50
    assert pairs.filter(status=PairStatus.SAME).count() >= 25
    assert pairs.filter(status=PairStatus.DIFFERENT).exists()
    assert pairs.filter(status=PairStatus.UNSURE).exists()
    assert pairs.filter(cross_partner=True, status=PairStatus.PENDING).exists()
    assert pairs.filter(band=CandidatePair.Band.AUTO, status=PairStatus.PENDING).exists()
    merges = Merge.objects.all()
    assert merges.filter(undone_at__isnull=False).count() == 1
    assert Person.objects.filter(merged_into__isnull=False).count() == (
        merges.filter(undone_at__isnull=True).count())
    alert = RegistrationAlert.objects.get()
    assert alert.organisation_id != alert.matched.organisation_id

    login_verified(client, User.objects.get(username="protection"))
    for name in ("dedup:review-queue", "dedup:merge-list", "dedup:alert-list", "dedup:run-list"):
        assert client.get(reverse(name)).status_code == 200
    strongest = pairs.filter(status=PairStatus.PENDING).order_by("-weight").first()
    page = client.get(reverse("dedup:pair-detail", args=[strongest.pk])).content.decode()
    assert strongest.person_low.code_display in page
    client.logout()
