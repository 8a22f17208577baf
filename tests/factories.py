"""Factories for the foundation's models; each app's tests add their own beside it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from himaya.accounts.models import Membership, User
from himaya.accounts.roles import Role
from himaya.organisations.models import Agreement, Organisation, Programme
from himaya.reference.models import Currency, Region, ThematicAxis

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"org-{n}")
    kind = Organisation.Kind.PARTNER
    name_fr = factory.Sequence(lambda n: f"Association {n}")
    name_ar = factory.Sequence(lambda n: f"جمعية {n}")
    name_en = factory.Sequence(lambda n: f"Association {n}")
    region = factory.LazyFunction(lambda: Region.objects.get(code="01"))


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"prog-{n}")
    title_fr = factory.Sequence(lambda n: f"Programme {n}")
    lead = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.MISSION)
    start = dt.date(2019, 1, 1)
    end = dt.date(2022, 12, 31)
    axis = factory.LazyFunction(lambda: ThematicAxis.objects.get(code="protection-resilience"))

    @factory.post_generation
    def regions(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.regions.set(extracted or Region.objects.filter(code="01"))


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"AGR-{n:04d}")
    partner = factory.SubFactory(OrganisationFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    start = dt.date(2019, 6, 1)
    end = dt.date(2022, 12, 31)
    budget = Decimal("1000000")
    currency = factory.LazyFunction(lambda: Currency.objects.get(code="MAD"))

    @factory.post_generation
    def regions(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.regions.set(extracted or [self.partner.region])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


def make_member(role: Role, organisation: Organisation, username: str | None = None,
                regions: list[Region] | None = None) -> User:
    user = UserFactory(username=username) if username else UserFactory()
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    if regions:
        membership.regions.set(regions)
    if role == Role.MISSION_ADMIN:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def verified_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)
