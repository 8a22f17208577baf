"""The results framework's counts: validated roadmaps by programme and period, actions
completed, people trained by sex and age group."""

import datetime as dt

from himaya.capacity import queries, services
from himaya.capacity.models import ActionStatus, AgeGroup, RoadmapRevision, Session, Sex
from tests.capacity import builders as b


def test_validated_roadmaps_are_counted_by_period(world):
    roadmap = b.roadmap_of(world.partner_a)
    b.roadmap_of(world.partner_b)
    services.roadmap_transition(actor=world.users["coord_a"], roadmap=roadmap, transition="submit")
    services.roadmap_transition(actor=world.users["manager"], roadmap=roadmap, transition="validate")
    programme = b.programme_of(world.partner_a)
    assert list(queries.associations_with_validated_roadmap(programme=programme)) == [world.partner_a]
    RoadmapRevision.objects.update(at=dt.datetime(2021, 5, 1, tzinfo=dt.UTC))
    assert queries.associations_with_validated_roadmap(
        start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31)).count() == 1
    assert queries.associations_with_validated_roadmap(
        start=dt.date(2022, 1, 1), end=dt.date(2022, 12, 31)).count() == 0


def test_completed_actions_are_counted_by_completion_date(world):
    action = b.action_of(world.partner_a)
    services.action_update(actor=None, action=action, status=ActionStatus.DONE, progress=100,
                           today=dt.date(2021, 6, 1))
    assert queries.actions_completed(start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31)).count() == 1
    assert queries.actions_completed(start=dt.date(2022, 1, 1)).count() == 0


def test_people_trained_by_sex_and_age_group(world):
    staff = b.staff_of(world.partner_a)
    man = services.staff_add(actor=None, organisation=world.partner_a, full_name="Omar Diallo",
                             sex=Sex.MALE, age_group=AgeGroup.YOUNG)
    for day in (dt.date(2021, 1, 5), dt.date(2021, 3, 5)):
        services.session_record(
            actor=None, organisation=world.partner_a, kind=Session.Kind.TRAINING, held_on=day,
            place="Tanger", topic="Suivi-évaluation", facilitator="OIM", participants=[staff, man],
        )
    services.session_record(
        actor=None, organisation=world.partner_a, kind=Session.Kind.COMMUNITY,
        held_on=dt.date(2021, 4, 1), place="Tanger", topic="Droits", facilitator="Association",
        headcounts={(Sex.FEMALE, AgeGroup.ADULT): 12, (Sex.MALE, AgeGroup.CHILD): 3},
    )
    cells = queries.people_trained(start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31))
    # Named staff count once although they attended two trainings.
    assert cells == {("f", "25-59"): 13, ("m", "18-24"): 1, ("m", "0-17"): 3}
    assert queries.people_trained_by_sex() == {"f": 13, "m": 4}
