"""On the demo database the public figures tell the RDPP's story, computed from records."""

from django.core.cache import cache
from django.urls import reverse

from himaya.monitoring.models import Indicator
from himaya.monitoring.queries import results_table
from himaya.organisations.models import Programme


def check_demo_public_figures_and_results_table(client):
    """Called from tests/test_demo_scenario.py, which builds the demo once for every check."""
    cache.clear()
    body = client.get(reverse("api-public-figures")).json()
    assert body["direct_assistances"] > 22100
    assert body["medical_assistances"] > 4000
    assert body["associations"] == 15
    assert body["regions"] == 7
    assert body["people_reached"] > 0
    assert len([code for code, row in body["by_region"].items()
                if row["direct_assistances"]]) == 7
    # The results framework reads the same records: its direct-assistance actual is the
    # public headline, and no computed indicator failed.
    programme = Programme.objects.get(code="rdpp-maroc")
    table = results_table(programme, protected=True)
    actual = {row.indicator.code: row.total.actual for row in table.rows}
    assert actual["1.1.1"] == body["direct_assistances"]
    assert actual["1.2.1"] == body["medical_assistances"]
    assert [row.indicator.code for row in table.rows if row.error] == []
    assert Indicator.objects.filter(programme=programme, method="manual").exists()
    page = client.get(reverse("portal:data")).content.decode()
    assert 'data-figure="associations">15<' in page
