"""Shared fixtures: reference data once per database, and the access-matrix world."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from himaya.accounts.models import User
from himaya.accounts.roles import Role
from himaya.organisations.models import Organisation
from himaya.reference.loading import load_reference
from himaya.reference.models import Region
from tests.factories import (
    AgreementFactory,
    OrganisationFactory,
    ProgrammeFactory,
    make_member,
    verified_device,
)
from tests.faults.catalogues import ensure_data_migrations

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    with django_db_blocker.unblock():
        load_reference()


@pytest.fixture(autouse=True)
def _reference_data(request):  # noqa: ANN001, ANN202
    """Transactional tests flush every table: put the reference rows back for the next one."""
    names = set(request.fixturenames)
    if names & {"transactional_db", "live_server"}:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    if not Region.objects.exists():
        load_reference()
        ensure_data_migrations()


@pytest.fixture(autouse=True)
def _fresh_caches():  # noqa: ANN202
    # Cached figures and releases must not leak from one test's records into the next.
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):  # noqa: ANN001, ANN202
    # Uploads and job results go to a fresh folder per test, never into var/.
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # noqa: ANN001, ANN202
    # Argon2 is the production hasher (tested on its own); MD5 keeps factories quick.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@dataclass
class World:
    mission: Organisation
    partner_a: Organisation
    partner_b: Organisation
    donor: Organisation
    government: Organisation
    vendor: Organisation
    users: dict[str, User]

    def client_for(self, key: str) -> Client:
        client = Client()
        if key != "anonymous":
            login_verified(client, self.users[key])
        return client


def login_verified(client: Client, user: User) -> None:
    """Sign in as if the user had passed both factors."""
    device = verified_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


# The access-matrix fixture of STYLE.md: one user per role, two partners.
ROLE_KEYS = [
    "admin", "manager", "protection", "me", "coord_a", "agent_a", "coord_b", "donor",
    "government", "vendor", "anonymous",
]


@pytest.fixture
def world(db) -> World:  # noqa: ANN001
    mission = OrganisationFactory(kind=Organisation.Kind.MISSION, code="mission")
    partner_a = OrganisationFactory(code="partner-a", region=Region.objects.get(code="01"))
    partner_b = OrganisationFactory(code="partner-b", region=Region.objects.get(code="02"))
    donor = OrganisationFactory(kind=Organisation.Kind.DONOR, code="donor")
    government = OrganisationFactory(kind=Organisation.Kind.GOVERNMENT, code="gov")
    vendor = OrganisationFactory(kind=Organisation.Kind.VENDOR, code="vendor")
    programme = ProgrammeFactory(code="rdpp", lead=mission)
    programme.donors.set([donor])
    AgreementFactory(partner=partner_a, programme=programme)
    AgreementFactory(partner=partner_b, programme=programme, regions=[partner_b.region])
    users = {
        "admin": make_member(Role.MISSION_ADMIN, mission, "admin"),
        "manager": make_member(Role.PROGRAMME_MANAGER, mission, "manager"),
        "protection": make_member(
            Role.PROTECTION_OFFICER, mission, "protection", regions=[partner_a.region]
        ),
        "me": make_member(Role.ME_OFFICER, mission, "me"),
        "coord_a": make_member(Role.PARTNER_COORDINATOR, partner_a, "coord_a"),
        "agent_a": make_member(Role.FIELD_AGENT, partner_a, "agent_a"),
        "coord_b": make_member(Role.PARTNER_COORDINATOR, partner_b, "coord_b"),
        "donor": make_member(Role.DONOR, donor, "donor"),
        "government": make_member(Role.GOVERNMENT, government, "government"),
        "vendor": make_member(Role.VENDOR, vendor, "vendor"),
    }
    return World(mission, partner_a, partner_b, donor, government, vendor, users)
