"""Vendors under contract: the shop (an organisation of kind vendor), its contract, its users
and its API tokens, managed by the programme from a page rather than the admin site.

Users and tokens go through the accounts services (`user_invite`, `token_create`,
`token_revoke`), so the same rules and audit apply as everywhere: only a mission
administrator manages accounts. Each write here is one transaction, audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from himaya.accounts import services as accounts
from himaya.accounts.models import ApiToken, User
from himaya.accounts.roles import Role
from himaya.accounts.scopes import scope_for
from himaya.audit.services import audit_record
from himaya.organisations.models import Organisation
from himaya.organisations.services import organisation_create
from himaya.reference.models import Region
from himaya.vouchers.models import Category, VendorContract

CONTRACT_MANAGERS = frozenset({Role.MISSION_ADMIN, Role.PROGRAMME_MANAGER})
ACCOUNT_MANAGERS = frozenset({Role.MISSION_ADMIN})


@dataclass
class VendorData:
    name_fr: str
    categories: list[str]
    name_ar: str = ""
    region: Region | None = None
    address: str = ""
    phone: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    regions: Iterable[Region] = ()
    partner: Organisation | None = None
    active: bool = True
    signed_on: dt.date | None = None
    notes: str = ""


def _check_manager(actor: Any, roles: frozenset[str]) -> None:
    if scope_for(actor).role not in roles:
        raise PermissionDenied(_("Only the programme manages vendor contracts."))


def _check_terms(data: VendorData) -> list[str]:
    categories = sorted(set(data.categories))
    if not categories or any(c not in Category.values for c in categories):
        raise ValidationError({"categories": _("Choose the categories of voucher the vendor accepts.")})
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        raise ValidationError({"valid_until": _("The end cannot be before the start.")})
    if data.partner is not None and data.partner.kind != Organisation.Kind.PARTNER:
        raise ValidationError({"partner": _("Choose a partner association.")})
    return categories


def _write_contract(vendor: Organisation, data: VendorData, categories: list[str]) -> VendorContract:
    contract, _created = VendorContract.objects.update_or_create(vendor=vendor, defaults={
        "categories": categories, "active": data.active, "signed_on": data.signed_on,
        "valid_from": data.valid_from, "valid_until": data.valid_until, "partner": data.partner,
        "notes": data.notes,
    })
    contract.regions.set(list(data.regions))
    return contract


@transaction.atomic
def vendor_create(*, actor: Any, code: str, data: VendorData) -> VendorContract:
    """A new shop or pharmacy and its contract."""
    _check_manager(actor, CONTRACT_MANAGERS)
    categories = _check_terms(data)
    if Organisation.objects.filter(code=code).exists():
        raise ValidationError({"code": _("This code is already used by another organisation.")})
    vendor = organisation_create(actor=actor, code=code, kind=Organisation.Kind.VENDOR, name_fr=data.name_fr,
                                 name_ar=data.name_ar, region=data.region, address=data.address,
                                 phone=data.phone)
    contract = _write_contract(vendor, data, categories)
    audit_record(actor=actor, kind="create", action="vendor_contract.create", target=contract,
                 organisation_id=vendor.pk, fields=["categories", "period", "regions", "partner"])
    return contract


@transaction.atomic
def vendor_update(*, actor: Any, vendor: Organisation, data: VendorData) -> VendorContract:
    """Change the shop's details and its contract's terms (categories, period, regions, partner)."""
    _check_manager(actor, CONTRACT_MANAGERS)
    if vendor.kind != Organisation.Kind.VENDOR:
        raise ValidationError(_("This organisation is not a vendor."))
    categories = _check_terms(data)
    vendor = Organisation.objects.select_for_update().get(pk=vendor.pk)
    vendor.name_fr, vendor.name_ar, vendor.region = data.name_fr, data.name_ar, data.region
    vendor.address, vendor.phone = data.address, data.phone
    vendor.full_clean()
    vendor.save()
    contract = _write_contract(vendor, data, categories)
    audit_record(actor=actor, kind="change", action="vendor_contract.change", target=contract,
                 organisation_id=vendor.pk, fields=["categories", "period", "regions", "partner", "active"])
    return contract


def vendor_users(vendor: Organisation) -> list[User]:
    return list(User.objects.filter(membership__organisation=vendor).order_by("username"))


def vendor_user_invite(*, actor: Any, vendor: Organisation, username: str, email: str, base_url: str,
                       first_name: str = "", last_name: str = "", preferred_language: str = "fr") -> User:
    """A shop's till or shopkeeper account, with the vendor role (accounts' own rules and audit)."""
    _check_manager(actor, ACCOUNT_MANAGERS)
    if vendor.kind != Organisation.Kind.VENDOR:
        raise ValidationError(_("This organisation is not a vendor."))
    return accounts.user_invite(actor=actor, username=username, email=email, organisation=vendor,
                                role=Role.VENDOR, base_url=base_url, first_name=first_name,
                                last_name=last_name, preferred_language=preferred_language)


@transaction.atomic
def vendor_token_create(*, actor: Any, vendor: Organisation, user: User, name: str) -> accounts.IssuedToken:
    """A till's API token for one of the vendor's users; the raw token is shown once."""
    _check_manager(actor, ACCOUNT_MANAGERS)
    membership = getattr(user, "membership", None)
    if membership is None or membership.organisation_id != vendor.pk or membership.role != Role.VENDOR:
        raise ValidationError({"user": _("Choose one of this vendor's users.")})
    issued = accounts.token_create(actor=user, name=name)
    # The token is the vendor user's; who made it for them is recorded too.
    audit_record(actor=actor, kind="security", action="vendor.token_create", target=issued.token,
                 organisation_id=vendor.pk)
    return issued


def vendor_token_revoke(*, actor: Any, vendor: Organisation, token: ApiToken) -> ApiToken:
    _check_manager(actor, ACCOUNT_MANAGERS)
    if token.user.membership.organisation_id != vendor.pk:
        raise ValidationError(_("This token is not this vendor's."))
    return accounts.token_revoke(actor=actor, token=token)
