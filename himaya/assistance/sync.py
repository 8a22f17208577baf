"""Offline batches: raw items from a phone (or Kobo) resolved in the caller's scope, then recorded.

Every item names things by code (type, person, household, commune) so a phone never
holds a database id or a name it does not need. Resolution is done for the whole
batch in a handful of queries; an item that names something unknown or outside the
caller's scope is reported as invalid and the rest of the batch goes on. Nothing is
dropped: the answer has one entry per item sent, in order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.accounts.scopes import scope_for
from himaya.assistance.models import AssistanceType, Delivery
from himaya.assistance.queries import distributions_visible_to, warehouses_visible_to
from himaya.assistance.services import DeliveryData, Outcome, deliveries_record
from himaya.audit.services import audit_record
from himaya.organisations.models import Organisation
from himaya.organisations.queries import programmes_visible_to
from himaya.reference.models import Commune
from himaya.registry import codes
from himaya.registry.queries import households_visible_to, people_visible_to

MAX_BATCH = 5000
FIELDS = {"uuid", "type", "person", "household", "quantity", "value", "delivered_on", "commune", "site",
          "distribution", "warehouse", "programme", "override_reason"}


class BatchError(ValueError):
    """The envelope itself is unusable (not a list, too long): nothing is recorded."""


def _decimal(raw: Any, name: str, errors: list[str]) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        errors.append(_("%(field)s is not a number.") % {"field": name})
        return None
    if not value.is_finite() or value < 0 or value > Decimal("1e9"):
        errors.append(_("%(field)s is out of range.") % {"field": name})
        return None
    return value


def _an_id(raw: Any) -> int | None:
    # A database id: an integer, not a boolean, within BIGINT (a larger one overflows the driver).
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 2**63 else None


def _by_id(known: dict[int, Any], raw: Any) -> Any:
    key = _an_id(raw)
    return known.get(key) if key is not None else None


def resolve(user: Any, raw_items: list[Any]) -> list[tuple[DeliveryData | None, list[str], str]]:
    """Each raw item as (data, errors, client uuid text); data is None when errors."""
    if not isinstance(raw_items, list):
        raise BatchError(_("Send a list of deliveries under “deliveries”."))
    if len(raw_items) > MAX_BATCH:
        raise BatchError(_("At most %(n)s deliveries per batch.") % {"n": MAX_BATCH})
    dicts = [item if isinstance(item, dict) else {} for item in raw_items]
    person_codes = {codes.normalise(str(d.get("person") or "")) for d in dicts} - {""}
    household_codes = {codes.normalise(str(d.get("household") or "")) for d in dicts} - {""}
    # Names and phones are not needed to record a delivery: left encrypted, never decrypted here.
    people = {p.code: p for p in people_visible_to(user).filter(code__in=person_codes)
              .defer("given_name", "family_name", "other_names", "phone")}
    # A card printed before a merge still carries the absorbed code: the delivery goes to the
    # survivor when the sender may see it (decision 0204), and is audited as redirected.
    # A survivor outside the sender's scope is not revealed: the item is refused instead.
    visible = people_visible_to(user)
    redirected: dict[str, Any] = {}
    for code, person in list(people.items()):
        if person.merged_into_id is not None:
            survivor = person.current_survivor()
            if visible.filter(pk=survivor.pk).exists():
                redirected[code] = survivor
    households = {h.code: h for h in households_visible_to(user).filter(code__in=household_codes)
                  .select_related("organisation")}
    types = {t.code: t for t in AssistanceType.objects.filter(active=True)}
    communes = {c.code: c for c in Commune.objects.filter(code__in={str(d.get("commune")) for d in dicts
                                                                    if d.get("commune")})}
    programmes = {p.code: p for p in programmes_visible_to(user)}
    distribution_ids = {_an_id(d.get("distribution")) for d in dicts} - {None}
    distributions = {x.pk: x for x in distributions_visible_to(user).filter(pk__in=distribution_ids)}
    warehouse_ids = {_an_id(d.get("warehouse")) for d in dicts} - {None}
    warehouses = {w.pk: w for w in warehouses_visible_to(user).filter(pk__in=warehouse_ids)}
    default_programme = next(iter(programmes.values())) if len(programmes) == 1 else None
    today = timezone.localdate()

    resolved: list[tuple[DeliveryData | None, list[str], str]] = []
    for raw, item in zip(raw_items, dicts, strict=True):
        errors: list[str] = []
        if not isinstance(raw, dict):
            resolved.append((None, [_("Each delivery must be an object.")], ""))
            continue
        unknown = sorted(set(item) - FIELDS)
        if unknown:
            errors.append(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
        key_text = str(item.get("uuid") or "")
        try:
            key = uuid.UUID(key_text)
        except ValueError:
            key = None
            errors.append(_("Each delivery needs a client id (uuid)."))
        kind = types.get(str(item.get("type") or ""))
        if kind is None:
            errors.append(_("Unknown assistance type."))
        person = household = None
        sent_code = ""
        if item.get("person") and item.get("household"):
            errors.append(_("Give a person or a household, not both."))
        elif item.get("person"):
            sent_code = codes.normalise(str(item["person"]))
            person = redirected.get(sent_code) or people.get(sent_code)
            if person is None:
                errors.append(_("Unknown person code."))
        elif item.get("household"):
            household = households.get(codes.normalise(str(item["household"])))
            if household is None:
                errors.append(_("Unknown household code."))
        else:
            errors.append(_("Give the person or the household who received it."))
        try:
            delivered_on = dt.date.fromisoformat(str(item.get("delivered_on") or ""))
        except ValueError:
            delivered_on = None
            errors.append(_("The date must be given as YYYY-MM-DD."))
        if delivered_on and delivered_on > today + dt.timedelta(days=1):
            errors.append(_("The date is in the future."))
        quantity = _decimal(item.get("quantity", 1), _("quantity"), errors)
        if quantity is not None and quantity == 0:
            errors.append(_("The quantity must be more than zero."))
        value = _decimal(item.get("value"), _("value"), errors)
        programme = programmes.get(str(item["programme"])) if item.get("programme") else default_programme
        if programme is None:
            errors.append(_("Unknown programme."))
        commune = communes.get(str(item.get("commune"))) if item.get("commune") else None
        if item.get("commune") and commune is None:
            errors.append(_("Unknown commune code."))
        # Ids are looked up only when they are numbers: a list or an object there is bad input, not a 500.
        distribution = _by_id(distributions, item.get("distribution"))
        if item.get("distribution") and distribution is None:
            errors.append(_("Unknown distribution."))
        warehouse = _by_id(warehouses, item.get("warehouse"))
        if item.get("warehouse") and warehouse is None:
            errors.append(_("Unknown warehouse."))
        site = str(item.get("site") or "")[:160]
        if errors or kind is None or delivered_on is None or programme is None:
            resolved.append((None, errors, key_text))
            continue
        resolved.append((DeliveryData(
            programme=programme, assistance_type=kind, delivered_on=delivered_on, person=person,
            household=household, quantity=quantity or Decimal(1), value=value, commune=commune, site=site,
            distribution=distribution, warehouse=warehouse, client_uuid=key,
            override_reason=str(item.get("override_reason") or "")[:1000],
            sent_person_code=sent_code if person is not None and sent_code in redirected else "",
        ), [], key_text))
    return resolved


def sync_batch(*, actor: Any, raw_items: list[Any], source: str = Delivery.Source.SYNC) -> list[Outcome]:
    """Resolve and record a batch; one outcome per item sent, in the order sent."""
    scope = scope_for(actor)
    organisation = Organisation.objects.get(pk=scope.organisation_id)
    resolved = resolve(actor, raw_items)
    valid = [(index, data) for index, (data, _errors, _key) in enumerate(resolved) if data is not None]
    recorded = deliveries_record(actor=actor, organisation=organisation, items=[d for _i, d in valid],
                                 source=source)
    outcomes: list[Outcome] = []
    by_index = {index: outcome for (index, _d), outcome in zip(valid, recorded, strict=True)}
    for (_index, data), outcome in zip(valid, recorded, strict=True):
        if data.sent_person_code and outcome.status == "created" and outcome.delivery is not None:
            audit_record(actor=actor, kind="change", action="delivery.redirected_from_merged",
                         target=outcome.delivery, organisation_id=organisation.pk,
                         reason=f"sent for {data.sent_person_code}, recorded for {data.person.code}")
    for index, (data, errors, key) in enumerate(resolved):
        if data is None:
            outcomes.append(Outcome(index, key, "invalid", 400, errors=errors))
        else:
            outcome = by_index[index]
            outcome.index = index
            outcomes.append(outcome)
    return outcomes


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    answer: dict[str, Any] = {"index": outcome.index, "uuid": outcome.client_uuid, "status": outcome.status,
                              "http": outcome.http}
    if outcome.delivery is not None:
        answer["id"] = outcome.delivery.pk
    if outcome.errors:
        answer["errors"] = outcome.errors
    if outcome.rules:
        answer["rules"] = outcome.rules
    if outcome.voucher is not None:
        # The code is given once, here: the database keeps only its keyed digest.
        answer["voucher"] = {"id": outcome.voucher.voucher.pk, "code": outcome.voucher.code_display}
    return answer
