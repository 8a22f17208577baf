"""Demo layer: the 15 associations' profiles, assessment histories, SNIA roadmaps at their
stages by the end of 2022, trainings with participants, and the closing event."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from himaya.capacity import services
from himaya.capacity.models import (
    Action,
    ActionStatus,
    AgeGroup,
    AssessmentDomain,
    AssociationStaff,
    Roadmap,
    RoadmapRevision,
    Session,
    Sex,
)
from himaya.organisations.models import Organisation, Programme
from himaya.reference.models import SniaProgramme
from himaya.scenario.world import DemoWorld

CASABLANCA = ZoneInfo("Africa/Casablanca")

FIRST_NAMES = {
    Sex.FEMALE: ["Fatima", "Khadija", "Aïcha", "Salma", "Nadia", "Mariam", "Awa", "Hanane"],
    Sex.MALE: ["Youssef", "Omar", "Mamadou", "Rachid", "Hamza", "Issa", "Karim", "Ibrahima"],
}
LAST_NAMES = ["El Amrani", "Benali", "Diallo", "Tazi", "Ouedraogo", "Berrada", "Kone", "Alaoui"]
POSITIONS = ["Coordinatrice / coordinateur", "Assistant·e social·e", "Chargé·e de projet",
             "Trésorier·ère", "Animateur·rice communautaire"]

OBJECTIVES = [
    ("health", "Faciliter l'accès des personnes migrantes aux soins de santé primaires",
     ["Cartographier les structures de santé de la province",
      "Former les relais communautaires à l'orientation vers les centres de santé",
      "Organiser une rencontre avec la délégation régionale de la santé"]),
    ("social-humanitarian-assistance", "Structurer l'assistance sociale et humanitaire",
     ["Adopter une procédure d'évaluation des vulnérabilités",
      "Mettre en place un registre des assistances avec le consentement des personnes",
      "Signer une convention avec l'entraide nationale"]),
    ("governance-communication", "Renforcer la gouvernance et la communication de l'association",
     ["Actualiser le manuel de procédures financières",
      "Adopter une politique de protection des données personnelles",
      "Publier un rapport annuel d'activités"]),
    ("cooperation-partnerships", "Ancrer la SNIA dans le plan d'action communal",
     ["Présenter la feuille de route au conseil communal",
      "Participer au comité régional de suivi de la SNIA"]),
]

TRAINING_TOPICS = [
    "Protection des données personnelles des personnes migrantes",
    "Gestion financière et redevabilité envers les bailleurs",
    "Suivi-évaluation : indicateurs et collecte des données",
    "Protection contre l'exploitation et les abus sexuels (PSEA)",
    "Plaidoyer local et partenariat avec les collectivités territoriales",
]


def build(world: DemoWorld) -> None:
    programme = world["programme"]
    manager = world["user:manager"]
    domains = list(AssessmentDomain.objects.filter(is_active=True))
    snia = {p.code: p for p in SniaProgramme.objects.all()}
    partners: list[Organisation] = world["partners"]
    # Stages at the end of 2022: most validated, two submitted, two still in draft;
    # one validated after being sent back once, so its history shows a comment.
    stages = ["validated"] * 10 + ["sent_back_then_validated", "submitted", "submitted",
                                   "draft", "draft"]
    for index, partner in enumerate(partners):
        staff = _profile_and_staff(world, partner)
        _assessments(world, partner, domains)
        roadmap = _roadmap(world, partner, programme, staff, snia, stages[index], manager)
        _sessions(world, partner, programme, staff, roadmap, index)
    _closing_event(world, programme)


def _profile_and_staff(world: DemoWorld, partner: Organisation) -> list[AssociationStaff]:
    rng = world.rng
    services.profile_save(
        actor=None, organisation=partner, legal_name=partner.name_fr,
        legal_form="Association (dahir n° 1-58-376 du 15 novembre 1958)",
        registration_number=f"ASS-{partner.region.code}-{rng.randrange(1000, 9999)}",
        founded_on=dt.date(rng.randrange(1995, 2016), rng.randrange(1, 13), 1),
        mission_statement="Accueillir, orienter et accompagner les personnes migrantes "
                          "en situation de vulnérabilité, quel que soit leur statut.",
        contact_email=f"contact@{partner.code}.demo.himaya.invalid",
        contact_phone=f"+212 5{rng.randrange(20, 40)} {rng.randrange(100000, 999999)}",
        regions_of_work=[partner.region],
        areas_of_work=SniaProgramme.objects.filter(
            code__in=rng.sample(["health", "social-humanitarian-assistance", "education-culture",
                                 "vocational-training", "flows-trafficking"], 3)
        ),
    )
    staff = []
    for number in range(5):
        sex = Sex.FEMALE if number % 2 == 0 else Sex.MALE
        name = f"{rng.choice(FIRST_NAMES[sex])} {rng.choice(LAST_NAMES)}"
        staff.append(services.staff_add(
            actor=None, organisation=partner, full_name=name, sex=sex,
            age_group=rng.choice([AgeGroup.YOUNG, AgeGroup.ADULT, AgeGroup.ADULT]),
            position=POSITIONS[number],
            email=f"staff{number + 1}@{partner.code}.demo.himaya.invalid",
            phone=f"+212 6{rng.randrange(10000000, 99999999)}",
        ))
    return staff


def _assessments(world: DemoWorld, partner: Organisation, domains: list[AssessmentDomain]) -> None:
    rng = world.rng
    dates = [dt.date(2019, rng.randrange(9, 13), rng.randrange(1, 28)),
             dt.date(2021, rng.randrange(1, 7), rng.randrange(1, 28))]
    if rng.random() < 0.7:
        dates.append(dt.date(2022, rng.randrange(9, 12), rng.randrange(1, 28)))
    level = {d.code: rng.choice([1, 1, 2, 2, 3]) for d in domains}
    for assessed_on in dates:
        services.assessment_record(
            actor=None, organisation=partner, assessed_on=assessed_on,
            scores={d: (level[d.code], "Entretien avec le bureau et revue des documents.")
                    for d in domains},
        )
        # Accompaniment pays off: most domains gain a level between assessments.
        level = {code: min(4, score + (rng.random() < 0.6)) for code, score in level.items()}


def _roadmap(
    world: DemoWorld, partner: Organisation, programme: Programme, staff: list[AssociationStaff],
    snia: dict[str, SniaProgramme], stage: str, manager: Any,
) -> Roadmap:
    rng = world.rng
    coordinator = world[f"user:{partner.code.removeprefix('asso-')}-coord"]
    # Associations that joined late plan for 2023: their roadmaps are not yet validated,
    # and their actions are still ahead of them when the programme closes.
    late_joiner = stage in ("draft", "submitted")
    start, last_day = (
        (dt.date(2022, 10, 1), dt.date(2023, 12, 31)) if late_joiner
        else (dt.date(2020, 3, 1), dt.date(2022, 12, 31))
    )
    roadmap = services.roadmap_create(
        actor=None, organisation=partner, programme=programme,
        title=f"Feuille de route SNIA {start.year}–{last_day.year} – {partner.name_fr}",
        start=start, end=last_day,
    )
    actions = []
    for code, title, action_titles in rng.sample(OBJECTIVES, rng.choice([2, 3])):
        objective = services.objective_add(
            actor=None, roadmap=roadmap, title=title, snia_programme=snia[code],
            regional_priority=f"Priorité du programme régional de {partner.region.name_fr}",
        )
        for action_title in action_titles:
            years = [2023] if late_joiner else [2020, 2021]
            start = dt.date(rng.choice(years), rng.randrange(1, 13 if not late_joiner else 10), 1)
            end = min(start + dt.timedelta(days=rng.randrange(90, 540)), last_day)
            actions.append(services.action_add(
                actor=None, objective=objective, title=action_title, start=start, end=end,
                budget=Decimal(rng.randrange(5, 120) * 1000), owner=rng.choice(staff),
            ))
    if stage == "draft":
        return roadmap
    services.roadmap_transition(actor=coordinator, roadmap=roadmap, transition="submit")
    if stage == "sent_back_then_validated":
        services.roadmap_transition(
            actor=manager, roadmap=roadmap, transition="send_back",
            comment="Préciser les budgets et rattacher chaque action à un responsable.",
        )
        services.roadmap_transition(actor=coordinator, roadmap=roadmap, transition="submit")
    if stage != "submitted":
        services.roadmap_transition(actor=manager, roadmap=roadmap, transition="validate")
    _backdate(roadmap, rng)
    if stage != "submitted":
        for action in actions:
            _progress(action, rng)
    return roadmap


def _backdate(roadmap: Roadmap, rng: random.Random) -> None:
    """The lifecycle ran in 2020–2021, not today: the results count validations by period."""
    moment = dt.datetime(2020, 9, 1, 10, 0, tzinfo=CASABLANCA) + dt.timedelta(
        days=rng.randrange(0, 300)
    )
    for revision in RoadmapRevision.objects.filter(roadmap=roadmap).order_by("pk"):
        moment += dt.timedelta(days=rng.randrange(7, 40))
        RoadmapRevision.objects.filter(pk=revision.pk).update(at=moment)
        if revision.to_status == "submitted":
            Roadmap.objects.filter(pk=roadmap.pk).update(submitted_at=moment)
        if revision.to_status == "validated":
            Roadmap.objects.filter(pk=roadmap.pk).update(validated_at=moment)


def _progress(action: Action, rng: random.Random) -> None:
    roll = rng.random()
    end = action.end
    if roll < 0.72:
        services.action_update(actor=None, action=action, status=ActionStatus.DONE, progress=100,
                               today=end)
    elif roll < 0.85:
        services.action_update(actor=None, action=action, status=ActionStatus.IN_PROGRESS,
                               progress=rng.choice([40, 60, 80]))
    elif roll < 0.95:
        services.action_update(actor=None, action=action, status=ActionStatus.LATE,
                               progress=rng.choice([10, 30]))
    else:
        services.action_update(actor=None, action=action, status=ActionStatus.BLOCKED,
                               progress=20)


def _sessions(world: DemoWorld, partner: Organisation, programme: Programme, staff: list[AssociationStaff],
              roadmap: Roadmap, index: int) -> None:
    rng = world.rng
    city = partner.name_fr.split("–")[-1].strip()
    for topic in rng.sample(TRAINING_TOPICS, 2):
        services.session_record(
            actor=None, organisation=partner, programme=programme,
            kind=rng.choice([Session.Kind.TRAINING, Session.Kind.WORKSHOP]),
            held_on=dt.date(rng.choice([2020, 2021, 2022]), rng.randrange(1, 13), rng.randrange(1, 28)),
            place=f"Siège de l'association, {city}", topic=topic,
            facilitator="Équipe renforcement des capacités, OIM Maroc",
            materials="Présentation, guide du participant, fiche d'évaluation",
            participants=rng.sample(staff, rng.randrange(2, len(staff) + 1)),
        )
    coaching = services.session_record(
        actor=None, organisation=partner, programme=programme, kind=Session.Kind.COACHING,
        held_on=dt.date(2020, rng.randrange(1, 3), rng.randrange(1, 28)),
        place=f"Siège de l'association, {city}",
        topic="Accompagnement à l'élaboration de la feuille de route SNIA",
        facilitator="Chargée de partenariat, OIM Maroc", participants=staff[:2],
    )
    services.follow_up_add(actor=None, session=coaching,
                           description="Consulter la commune sur les priorités régionales",
                           due_on=dt.date(2020, 6, 30))
    services.session_record(
        actor=None, organisation=partner, programme=programme, kind=Session.Kind.COMMUNITY,
        held_on=dt.date(2022, rng.randrange(3, 12), rng.randrange(1, 28)),
        place=f"Maison de quartier, {city}",
        topic="Séance d'information sur l'accès aux droits et aux services",
        facilitator=staff[rng.randrange(len(staff))].position,
        headcounts={(sex, age): rng.randrange(0, 14) for sex in Sex.values
                    for age in (AgeGroup.YOUNG, AgeGroup.ADULT)},
    )


def _closing_event(world: DemoWorld, programme: Programme) -> None:
    day = dt.date(2022, 12, 16)

    def at(hour: int, minute: int) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CASABLANCA)

    event = services.event_save(
        actor=None, programme=programme,
        title_fr="Clôture nationale du programme RDPP au Maroc – Journée internationale des migrants",
        title_ar="الاختتام الوطني لبرنامج التنمية والحماية بالمغرب – اليوم الدولي للمهاجرين",
        title_en="National closing of the RDPP in Morocco – International Migrants Day",
        starts_at=at(9, 30), ends_at=at(13, 0), place="Fondation Orient-Occident, Rabat",
        participants_women=96, participants_men=84,
        agenda=[
            (dt.time(9, 30), "Accueil des participants et exposition de photos", ""),
            (dt.time(10, 0), "Mots d'ouverture",
             "Chef de mission de l'OIM au Maroc ; Délégation de l'Union européenne ; "
             "Département chargé des Marocains résidant à l'étranger et des affaires de la migration"),
            (dt.time(10, 45), "Présentation des résultats du programme (2019–2022)",
             "Responsable du programme RDPP, OIM Maroc"),
            (dt.time(11, 15), "Témoignages des associations partenaires et feuilles de route SNIA",
             "Associations partenaires des sept régions"),
            (dt.time(12, 0), "Pièce de théâtre jouée par des Marocains et des migrants, "
                             "intermèdes musicaux", ""),
            (dt.time(12, 45), "Clôture", ""),
        ],
    )
    world["closing_event"] = event
    article = world.objects.get("closing_article")
    if article is not None:
        article.event = event
        article.save(update_fields=["event"])
