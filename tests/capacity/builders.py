"""Capacity objects for tests, built through the services (actor=None: the system)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from himaya.capacity import services
from himaya.capacity.models import (
    Action,
    AssessmentDomain,
    AssociationStaff,
    Event,
    Evidence,
    FollowUp,
    Objective,
    Roadmap,
    Session,
    Sex,
)
from himaya.organisations.models import Organisation, Programme
from himaya.reference.models import SniaProgramme

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def programme_of(partner: Organisation) -> Programme:
    return partner.agreements.first().programme


def staff_of(partner: Organisation, name: str = "Fatima Zahra Bennani") -> AssociationStaff:
    existing = AssociationStaff.objects.filter(organisation=partner, full_name=name).first()
    return existing or services.staff_add(
        actor=None, organisation=partner, full_name=name, sex=Sex.FEMALE, position="Coordinatrice",
        email="fatima@example.org", phone="+212 600000000",
    )


def roadmap_of(partner: Organisation, *, with_action: bool = True) -> Roadmap:
    existing = Roadmap.objects.filter(organisation=partner).first()
    if existing:
        return existing
    roadmap = services.roadmap_create(
        actor=None, organisation=partner, programme=programme_of(partner),
        title=f"Feuille de route {partner.code}", start=dt.date(2020, 1, 1),
        end=dt.date(2022, 12, 31),
    )
    if with_action:
        objective = services.objective_add(
            actor=None, roadmap=roadmap, title="Accès aux soins",
            snia_programme=SniaProgramme.objects.get(code="health"),
            regional_priority="Santé des migrants",
        )
        services.action_add(
            actor=None, objective=objective, title="Cartographier les centres de santé",
            start=dt.date(2020, 3, 1), end=dt.date(2021, 6, 30), budget=Decimal("25000"),
            owner=staff_of(partner),
        )
    return roadmap


def objective_of(partner: Organisation) -> Objective:
    return roadmap_of(partner).objectives.first()


def action_of(partner: Organisation) -> Action:
    return Action.objects.filter(objective__roadmap=roadmap_of(partner)).first()


def evidence_of(partner: Organisation) -> Evidence:
    action = action_of(partner)
    existing = action.evidence.first()
    return existing or services.evidence_add(
        actor=None, action=action, file=io.BytesIO(PDF_BYTES), name="rapport.pdf",
        size=len(PDF_BYTES),
    )


def assessment_of(partner: Organisation, day: dt.date = dt.date(2021, 5, 1), level: int = 2) -> Any:
    existing = partner.capacity_assessments.filter(assessed_on=day).first()
    return existing or services.assessment_record(
        actor=None, organisation=partner, assessed_on=day,
        scores={d: (level, "Revue documentaire") for d in AssessmentDomain.objects.filter(is_active=True)},
    )


def session_of(partner: Organisation) -> Session:
    existing = partner.capacity_sessions.first()
    return existing or services.session_record(
        actor=None, organisation=partner, programme=programme_of(partner), kind=Session.Kind.TRAINING,
        held_on=dt.date(2021, 4, 12), place="Tanger", topic="Protection des données",
        facilitator="OIM", participants=[staff_of(partner)],
    )


def follow_up_of(partner: Organisation) -> FollowUp:
    session = session_of(partner)
    existing = session.follow_ups.first()
    return existing or services.follow_up_add(
        actor=None, session=session, description="Adopter une politique de protection des données",
    )


def event_of(partner: Organisation) -> Event:
    existing = Event.objects.first()
    if existing:
        return existing
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Africa/Casablanca")
    return services.event_save(
        actor=None, programme=programme_of(partner), title_fr="Clôture nationale",
        starts_at=dt.datetime(2022, 12, 16, 9, 30, tzinfo=tz),
        ends_at=dt.datetime(2022, 12, 16, 13, 0, tzinfo=tz),
        place="Fondation Orient-Occident, Rabat", participants_women=10, participants_men=8,
        agenda=[(dt.time(9, 30), "Accueil", "")],
    )
