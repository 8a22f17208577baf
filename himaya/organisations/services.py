"""Writes on organisations, programmes and agreements: one function, one transaction, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction

from himaya.audit.services import audit_record
from himaya.organisations.models import Agreement, Organisation, Programme
from himaya.reference.models import Currency, Region, SdgTarget, SniaProgramme, ThematicAxis


@transaction.atomic
def organisation_create(
    *,
    actor: Any,
    code: str,
    kind: str,
    name_fr: str,
    name_ar: str = "",
    name_en: str = "",
    region: Region | None = None,
    **details: Any,
) -> Organisation:
    organisation = Organisation(
        code=code, kind=kind, name_fr=name_fr, name_ar=name_ar, name_en=name_en, region=region,
        **details,
    )
    organisation.full_clean()
    organisation.save()
    audit_record(actor=actor, kind="create", action="organisation.create", target=organisation)
    return organisation


@transaction.atomic
def programme_create(
    *,
    actor: Any,
    code: str,
    title_fr: str,
    lead: Organisation,
    donors: Iterable[Organisation],
    start: dt.date,
    end: dt.date,
    axis: ThematicAxis,
    regions: Iterable[Region],
    title_ar: str = "",
    title_en: str = "",
    counterparts: Iterable[Organisation] = (),
    sdg_targets: Iterable[SdgTarget] = (),
    snia_programmes: Iterable[SniaProgramme] = (),
    budget: Decimal | None = None,
    currency: Currency | None = None,
    **texts: str,
) -> Programme:
    programme = Programme(
        code=code, title_fr=title_fr, title_ar=title_ar, title_en=title_en, lead=lead,
        start=start, end=end, axis=axis, budget=budget, currency=currency, **texts,
    )
    programme.full_clean()
    programme.save()
    programme.donors.set(donors)
    programme.counterparts.set(counterparts)
    programme.regions.set(regions)
    programme.sdg_targets.set(sdg_targets)
    programme.snia_programmes.set(snia_programmes)
    audit_record(actor=actor, kind="create", action="programme.create", target=programme)
    return programme


@transaction.atomic
def agreement_create(
    *,
    actor: Any,
    reference: str,
    partner: Organisation,
    programme: Programme,
    regions: Iterable[Region],
    start: dt.date,
    end: dt.date,
    budget: Decimal,
    currency: Currency,
    signed_on: dt.date | None = None,
) -> Agreement:
    agreement = Agreement(
        reference=reference, partner=partner, programme=programme, start=start, end=end,
        budget=budget, currency=currency, signed_on=signed_on,
    )
    agreement.full_clean()
    agreement.save()
    agreement.regions.set(regions)
    audit_record(
        actor=actor, kind="create", action="agreement.create", target=agreement,
        organisation_id=partner.pk,
    )
    return agreement
