"""`himaya demo` builds the seed's story, fast, and a second run reuses it."""

import time

import pytest
from django.core.management import call_command

from himaya.accounts.models import Membership
from himaya.accounts.roles import Role
from himaya.organisations.models import Agreement, Organisation, Programme
from himaya.portal.models import Article
from tests.assistance.demo_checks import check_the_demo_tells_the_rdpp_assistance_story
from tests.dedup.demo_checks import check_the_demo_has_duplicates_found_and_reviewed
from tests.reporting.demo_checks import check_demo_public_figures_and_results_table

pytestmark = pytest.mark.django_db

SEED_REGIONS = {
    "Tanger-Tétouan-Al Hoceima", "Oriental", "Fès-Meknès", "Rabat-Salé-Kénitra",
    "Casablanca-Settat", "Marrakech-Safi", "Souss-Massa",
}


def test_demo_tells_the_seed_story(capsys, client):
    started = time.monotonic()
    call_command("demo")
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    # The target is 60 s on an idle 2-core machine (docs/performance.md); the bound here
    # leaves room for a loaded CI machine without letting a slow regression through.
    assert elapsed < 120, f"the demo took {elapsed:.0f} s"

    programme = Programme.objects.get(code="rdpp-maroc")
    assert (programme.start.year, programme.end.year) == (2019, 2022)
    assert programme.donors.get().code == "ue"
    assert set(programme.counterparts.values_list("code", flat=True)) == {"mae-mre", "dam"}
    assert programme.sdg_targets.filter(code="10.7").exists()

    partners = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
    assert partners.count() == 15
    assert set(partners.values_list("region__name_fr", flat=True)) == SEED_REGIONS
    assert Agreement.objects.filter(programme=programme).count() == 15

    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values), "a demo user for every role"
    for role in Role:
        assert str(role.label) in out  # the logins are printed

    closing = Article.objects.get(slug="cloture-nationale-rdpp-maroc")
    assert closing.event_starts_at.day == 16 and "Orient-Occident" in closing.event_place

    # Each layer's story, checked on the same build (building it takes most of a minute).
    check_the_demo_tells_the_rdpp_assistance_story()
    check_demo_public_figures_and_results_table(client)
    check_the_demo_has_duplicates_found_and_reviewed(client)

    # Run again: nothing is duplicated and it says so.
    call_command("demo")
    assert "already built" in capsys.readouterr().out
    assert Organisation.objects.filter(kind=Organisation.Kind.PARTNER).count() == 15
