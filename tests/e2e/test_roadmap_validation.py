"""coord_a submits the association's roadmap in the browser; the programme manager validates it."""

from himaya.capacity.models import Roadmap, RoadmapStatus
from tests.capacity import builders as b
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD


def test_coordinator_submits_and_manager_validates(page, world):
    roadmap = b.roadmap_of(world.partner_a)
    url = f"/capacity/roadmaps/{roadmap.pk}/"

    sign_in(page, "coord_a", PASSWORD)
    page.wait_for_url("**/accounts/home/")
    page.goto(url)
    assert page.locator("[data-testid=roadmap-status]").get_attribute("data-status") == "draft"
    # A coordinator cannot validate: the button is not there.
    assert page.locator("[data-testid=transition-validate]").count() == 0
    page.click("[data-testid=transition-submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=roadmap-status]").get_attribute("data-status") == "submitted"
    assert Roadmap.objects.get(pk=roadmap.pk).status == RoadmapStatus.SUBMITTED

    page.context.clear_cookies()
    sign_in(page, "manager", PASSWORD)
    page.wait_for_url("**/accounts/home/")
    page.goto(url)
    page.fill("[data-testid=transition-comment]", "Conforme aux priorités régionales.")
    page.click("[data-testid=transition-validate]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=roadmap-status]").get_attribute("data-status") == "validated"

    stored = Roadmap.objects.get(pk=roadmap.pk)
    assert stored.status == RoadmapStatus.VALIDATED
    assert stored.validated_by == world.users["manager"]
    assert stored.revisions.last().comment == "Conforme aux priorités régionales."
