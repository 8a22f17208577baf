import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from himaya.organisations.models import Agreement, Organisation
from himaya.organisations.services import agreement_create
from himaya.reference.models import Currency, Region
from tests.factories import OrganisationFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def _create(partner, programme, start, end):
    return agreement_create(
        actor=None, reference="AGR-X", partner=partner, programme=programme,
        regions=[Region.objects.get(code="01")], start=start, end=end,
        budget=Decimal("1000"), currency=Currency.objects.get(code="MAD"),
    )


def test_an_agreement_falls_within_its_programme():
    programme = ProgrammeFactory(start=dt.date(2019, 1, 1), end=dt.date(2022, 12, 31))
    with pytest.raises(ValidationError):
        _create(OrganisationFactory(), programme, dt.date(2018, 6, 1), dt.date(2020, 1, 1))
    assert not Agreement.objects.exists()


def test_only_a_partner_association_signs_an_agreement():
    programme = ProgrammeFactory()
    vendor = OrganisationFactory(kind=Organisation.Kind.VENDOR)
    with pytest.raises(ValidationError):
        _create(vendor, programme, dt.date(2019, 6, 1), dt.date(2020, 1, 1))
    assert not Agreement.objects.exists()


def test_a_valid_agreement_is_stored_and_audited():
    from himaya.audit.models import AuditEvent

    agreement = _create(OrganisationFactory(), ProgrammeFactory(), dt.date(2019, 6, 1), dt.date(2021, 1, 1))
    assert agreement.regions.get().code == "01"
    assert AuditEvent.objects.filter(action="agreement.create", object_id=str(agreement.pk)).exists()
