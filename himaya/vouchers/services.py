"""Voucher writes: issue, cancel, reissue, redeem, expire, statements. One transaction each.

Redemption is the money path (PROTECTION.md P19, P20, P22): the code's signature is
checked before any database access; the voucher row is locked; the balance is
guarded by a check constraint; an idempotency key per vendor makes a retry answer
what the first attempt answered; failed look-ups per vendor are counted and limited.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import NOT_PROVIDED, Count, Field, Model, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.accounts.scopes import scope_for
from himaya.audit.services import audit_record
from himaya.organisations.models import Organisation
from himaya.registry.models import Consent, Household, Person, Purpose
from himaya.registry.services import refuse_merged
from himaya.vouchers import codes
from himaya.vouchers.lifecycle import (
    SPENDABLE,
    Status,
    TransitionRefused,
    after_redemption,
    check_transition,
)
from himaya.vouchers.models import (
    Category,
    IssueBatch,
    LookupFailure,
    Redemption,
    Statement,
    VendorContract,
    Voucher,
    VoucherEvent,
)

MAX_VALUE = Decimal("100000")
MAX_BATCH = 5000
CENT = Decimal("0.01")


def failures_per_minute() -> int:
    return int(getattr(settings, "HIMAYA_VOUCHER_FAILURES_PER_MINUTE", 10))


class VoucherRefused(Exception):
    """A redemption or check that cannot go ahead; `code` is stable, `message` translated."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class IssuedVoucher:
    voucher: Voucher
    code: str  # shown once (screen, card, API answer), never stored

    @property
    def code_display(self) -> str:
        return codes.display(self.code)


@dataclass(frozen=True)
class RedemptionResult:
    redemption: Redemption
    replayed: bool


# --- Issuing -------------------------------------------------------------------------------


def money(raw: Any) -> Decimal:
    """An amount in MAD with at most two decimals, or ValidationError."""
    try:
        amount = Decimal(str(raw).replace(",", ".").replace(" ", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter an amount in dirhams, e.g. 150 or 72.50.")) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    # The ceiling first: quantizing a huge exponent would overflow the decimal context.
    if amount > MAX_VALUE:
        raise ValidationError(_("The amount cannot exceed %(max)s MAD.") % {"max": MAX_VALUE})
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValidationError(_("An amount has at most two decimals (centimes)."))
    return amount.quantize(CENT)


def issuer_of(actor: Any) -> Organisation:
    """The organisation a user issues vouchers for: their own, never one they choose."""
    scope = scope_for(actor)
    if scope.organisation_id is None or not (scope.is_partner or scope.is_mission):
        raise PermissionDenied(_("Only partner and mission staff issue vouchers."))
    return Organisation.objects.get(pk=scope.organisation_id)


def _check_vendors(vendors: Sequence[Organisation], category: str) -> None:
    contracts = {
        c.vendor_id: c for c in VendorContract.objects.filter(vendor__in=vendors, active=True)
    }
    for vendor in vendors:
        contract = contracts.get(vendor.pk)
        if vendor.kind != Organisation.Kind.VENDOR or contract is None or category not in contract.categories:
            raise ValidationError({"vendors": _(
                "%(name)s has no contract for this category of voucher."
            ) % {"name": vendor.name}})


def _check_beneficiaries(partner: Organisation, beneficiaries: Sequence[Person | Household],
                         actor: Any = None) -> None:
    if not beneficiaries:
        raise ValidationError(_("Choose at least one person or household."))
    if len(beneficiaries) > MAX_BATCH:
        raise ValidationError(_("At most %(max)s vouchers at once.") % {"max": MAX_BATCH})
    for beneficiary in beneficiaries:
        # P2: a voucher is never attached to another partner's caseload.
        if beneficiary.organisation_id != partner.pk:
            raise ValidationError(_("%(code)s is not in your caseload.") % {"code": beneficiary})
    people = [b for b in beneficiaries if isinstance(b, Person)]
    # A record absorbed by a merge takes nothing new: the message names the survivor when
    # the issuer may see it (decision 0204).
    refuse_merged(*people, actor=actor)
    if people:
        consenting = set(
            Consent.objects.filter(
                person__in=people, purpose=Purpose.ASSISTANCE, status=Consent.Status.GIVEN
            ).values_list("person_id", flat=True)
        )
        missing = [str(p) for p in people if p.pk not in consenting]
        if missing:
            raise ValidationError(
                _("No consent or other legal basis for assistance in force for: %(codes)s.")
                % {"codes": ", ".join(missing[:10])}
            )


@transaction.atomic
def voucher_issue(
    *,
    actor: Any,
    beneficiaries: Sequence[Person | Household],
    category: str,
    value: Any,
    valid_from: dt.date,
    valid_until: dt.date,
    vendors: Iterable[Organisation] = (),
    label: str = "",
    partner: Organisation | None = None,
    at: dt.datetime | None = None,
    deliveries: Sequence[Any] | None = None,
) -> list[IssuedVoucher]:
    """Issue one voucher per person or household (one for a single issue, many for a batch).

    The issuing partner is the actor's organisation; `partner` is accepted only from
    scripts that run without a user (the demo, imports). `deliveries`, if given, are the
    assistance deliveries the vouchers are given as, one per beneficiary in the same order.
    The codes are returned once.
    """
    if actor is not None:
        partner = issuer_of(actor)
    elif partner is None:
        raise ValueError("a partner is needed when there is no actor")
    at = at or timezone.now()
    value = money(value)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end of validity cannot be before its start.")})
    if valid_until < timezone.localdate(at):
        raise ValidationError({"valid_until": _("This voucher would already be expired.")})
    vendors = list(vendors)
    _check_vendors(vendors, category)
    beneficiaries = list(beneficiaries)
    _check_beneficiaries(partner, beneficiaries, actor)
    deliveries = list(deliveries) if deliveries is not None else [None] * len(beneficiaries)
    for delivery, beneficiary in zip(deliveries, beneficiaries, strict=True):
        if delivery is None:
            continue
        owner = delivery.person_id if isinstance(beneficiary, Person) else delivery.household_id
        if delivery.organisation_id != partner.pk or owner != beneficiary.pk:
            raise ValidationError(_("A delivery does not match its person or household."))
    batch = None
    if len(beneficiaries) > 1:
        batch = IssueBatch.objects.create(
            partner=partner, label=label[:160], created_at=at, created_by=actor,
            size=len(beneficiaries),
        )
    issued = []
    for beneficiary, delivery in zip(beneficiaries, deliveries, strict=True):
        code = codes.new_code()
        issued.append(IssuedVoucher(
            voucher=Voucher(
                code_digest=codes.lookup_digest(code), code_hint=codes.hint(code), partner=partner,
                person=beneficiary if isinstance(beneficiary, Person) else None,
                household=beneficiary if isinstance(beneficiary, Household) else None,
                category=category, value=value, balance=value, valid_from=valid_from,
                valid_until=valid_until, batch=batch, issued_at=at, issued_by=actor,
                delivery=delivery,
            ),
            code=code,
        ))
    Voucher.objects.bulk_create([i.voucher for i in issued])
    if vendors:
        through = Voucher.vendors.through
        through.objects.bulk_create(
            [through(voucher_id=i.voucher.pk, organisation_id=v.pk) for i in issued for v in vendors]
        )
    VoucherEvent.objects.bulk_create([
        VoucherEvent(voucher=i.voucher, kind=VoucherEvent.Kind.ISSUED, at=at, actor=actor,
                     amount=value, balance_after=value)
        for i in issued
    ])
    audit_record(
        actor=actor, kind="create", action="voucher.issue",
        object_type="vouchers.issuebatch" if batch else "vouchers.voucher",
        object_id=batch.pk if batch else issued[0].voucher.pk, organisation_id=partner.pk,
        fields=["value", "category", "validity"],
    )
    return issued


def _lock(voucher: Voucher) -> Voucher:
    return Voucher.objects.select_for_update().get(pk=voucher.pk)


@transaction.atomic
def voucher_cancel(*, actor: Any, voucher: Voucher, reason: str = "") -> Voucher:
    """Refuse the voucher from now on (lost, stolen, error); what was spent stays spent."""
    voucher = _lock(voucher)
    try:
        check_transition(voucher.status, Status.CANCELLED)
    except TransitionRefused:
        raise ValidationError(
            _("A voucher that is %(status)s cannot be cancelled.") % {"status": voucher.get_status_display()}
        ) from None
    now = timezone.now()
    voucher.status, voucher.status_changed_at = Status.CANCELLED, now
    voucher.save(update_fields=["status", "status_changed_at"])
    VoucherEvent.objects.create(
        voucher=voucher, kind=VoucherEvent.Kind.CANCELLED, at=now, actor=actor,
        balance_after=voucher.balance, reason=reason[:255],
    )
    audit_record(actor=actor, kind="change", action="voucher.cancel", target=voucher,
                 organisation_id=voucher.partner_id, reason=reason, fields=["status"])
    return voucher


@transaction.atomic
def voucher_reissue(
    *, actor: Any, voucher: Voucher, reason: str = "", valid_until: dt.date | None = None
) -> IssuedVoucher:
    """Cancel a lost voucher and issue a new code for what was left on it, linked to the old."""
    voucher = _lock(voucher)
    if voucher.status not in SPENDABLE:
        raise ValidationError(
            _("A voucher that is %(status)s cannot be reissued.") % {"status": voucher.get_status_display()}
        )
    now = timezone.now()
    today = timezone.localdate(now)
    valid_until = valid_until or voucher.valid_until
    if valid_until < today:
        raise ValidationError({"valid_until": _("This voucher would already be expired.")})
    vendors = list(voucher.vendors.all())
    voucher.status, voucher.status_changed_at = Status.CANCELLED, now
    voucher.save(update_fields=["status", "status_changed_at"])
    code = codes.new_code()
    new = Voucher.objects.create(
        code_digest=codes.lookup_digest(code), code_hint=codes.hint(code), partner=voucher.partner,
        person=voucher.person, household=voucher.household, category=voucher.category,
        value=voucher.balance, balance=voucher.balance, valid_from=min(today, valid_until),
        valid_until=valid_until, replaces=voucher, issued_at=now, issued_by=actor,
    )
    new.vendors.set(vendors)
    VoucherEvent.objects.bulk_create([
        VoucherEvent(voucher=voucher, kind=VoucherEvent.Kind.CANCELLED, at=now, actor=actor,
                     balance_after=voucher.balance, reason=reason[:255]),
        VoucherEvent(voucher=voucher, kind=VoucherEvent.Kind.REISSUED, at=now, actor=actor,
                     balance_after=voucher.balance, related_voucher=new, reason=reason[:255]),
        VoucherEvent(voucher=new, kind=VoucherEvent.Kind.ISSUED, at=now, actor=actor,
                     amount=new.value, balance_after=new.value, related_voucher=voucher),
    ])
    audit_record(actor=actor, kind="change", action="voucher.reissue", target=voucher,
                 organisation_id=voucher.partner_id, reason=reason, fields=["status"])
    return IssuedVoucher(voucher=new, code=code)


@transaction.atomic
def vouchers_expire(*, today: dt.date | None = None, actor: Any = None) -> int:
    """Expire every spendable voucher whose validity ended before `today`. Safe to run often."""
    today = today or timezone.localdate()
    now = timezone.now()
    # Locked in primary-key order, as every multi-row lock here, so that two runs (or a
    # run and a redemption) never wait on each other in opposite orders.
    due = list(
        Voucher.objects.select_for_update()
        .filter(status__in=SPENDABLE, valid_until__lt=today)
        .order_by("pk")
        .values_list("pk", "balance")
    )
    if not due:
        return 0
    for start in range(0, len(due), 1000):
        chunk = due[start:start + 1000]
        Voucher.objects.filter(pk__in=[pk for pk, _balance in chunk]).update(
            status=Status.EXPIRED, status_changed_at=now
        )
        VoucherEvent.objects.bulk_create([
            VoucherEvent(voucher_id=pk, kind=VoucherEvent.Kind.EXPIRED, at=now, actor=actor,
                         balance_after=balance)
            for pk, balance in chunk
        ])
    audit_record(actor=actor, kind="change", action="voucher.expire",
                 object_type="vouchers.voucher", object_id=len(due), fields=["status"])
    return len(due)


# --- Redeeming -----------------------------------------------------------------------------


def _rate_limited() -> VoucherRefused:
    return VoucherRefused(
        "rate_limited",
        _("Too many wrong codes in the last minute. Wait a minute, then type the code again."),
    )


def _refuse_if_rate_limited(vendor: Organisation) -> None:
    since = timezone.now() - dt.timedelta(minutes=1)
    if LookupFailure.objects.filter(vendor=vendor, at__gte=since).count() >= failures_per_minute():
        raise _rate_limited()


def _record_failure(vendor: Organisation, reason: str) -> None:
    # Committed on its own: the refusal that follows must not roll the count back.
    with transaction.atomic():
        LookupFailure.objects.create(vendor=vendor, at=timezone.now(), reason=reason)


_UNREAD = object()


def refusal_for(voucher: Voucher, vendor: Organisation, today: dt.date) -> VoucherRefused | None:
    """Why this vendor cannot take this voucher today, or None."""
    if voucher.status == Status.CANCELLED:
        return VoucherRefused("cancelled", _("This voucher was cancelled. Do not accept it."))
    if voucher.status == Status.EXPIRED or today > voucher.valid_until:
        return VoucherRefused("expired", _("This voucher has expired."))
    if voucher.status == Status.REDEEMED:
        return VoucherRefused("fully_redeemed", _("This voucher has already been spent in full."))
    if today < voucher.valid_from:
        return VoucherRefused("not_yet_valid", _("This voucher is not valid yet."))
    # Read by the locking query when it ran (one round trip less); asked otherwise.
    categories = getattr(voucher, "contract_categories", _UNREAD)
    if categories is _UNREAD:
        contract = next((c for c in VendorContract.objects.filter(vendor=vendor, active=True)
                         if c.in_force(today)), None)
        categories = contract.categories if contract is not None else None
    if categories is None:
        # No contract, or one outside its signed period: the shop may take no voucher today.
        return VoucherRefused("no_contract", _("Your shop has no contract in force today."))
    if voucher.category not in categories:
        return VoucherRefused(
            "wrong_category",
            _("Your shop's contract does not cover vouchers for %(category)s.")
            % {"category": voucher.get_category_display()},
        )
    # Annotated by the locking query when it ran (one round trip less); asked otherwise.
    restricted = getattr(voucher, "restricted", None)
    if restricted is None:
        restricted = voucher.vendors.exists()
        accepted_here = restricted and voucher.vendors.filter(pk=vendor.pk).exists()
    else:
        accepted_here = voucher.accepted_here
    if restricted and not accepted_here:
        return VoucherRefused("wrong_vendor", _("This voucher cannot be spent in your shop."))
    return None


@dataclass(frozen=True)
class VoucherCheck:
    """What a vendor may see of a voucher: value and validity, never the person."""

    voucher: Voucher
    refusal: VoucherRefused | None
    first_name: str

    @property
    def usable(self) -> bool:
        return self.refusal is None


def show_first_name() -> bool:
    return bool(getattr(settings, "HIMAYA_VOUCHER_SHOW_FIRST_NAME", False))


def _refuse_unless_vendor_and_authentic(vendor: Organisation, code: str) -> None:
    """What a check and a redemption refuse before any voucher is read: a non-vendor, and a
    forged or mistyped code (its signature, no database look-up; the failure counts)."""
    if vendor.kind != Organisation.Kind.VENDOR:
        raise VoucherRefused("not_a_vendor", _("Only a vendor under contract can accept vouchers."))
    if not codes.is_authentic(code):
        _refuse_if_rate_limited(vendor)
        _record_failure(vendor, "forged")
        raise VoucherRefused("invalid_code", _("This code is not valid. Check each character and type it again."))


def voucher_check(*, code: str, vendor: Organisation) -> VoucherCheck:
    """Look a code up for a vendor (value left, validity); failed look-ups count.

    One query for a good code: the redemption's SELECT without the lock (`_lock_plan`)."""
    _refuse_unless_vendor_and_authentic(vendor, code)
    # No key is empty (`_valid_key`), so the idempotency join finds nothing here.
    voucher = _locked_for_redemption(codes.lookup_digest(code), vendor, "", lock=False)
    if voucher is None:
        _refuse_if_rate_limited(vendor)
        _record_failure(vendor, "unknown")
        raise VoucherRefused("unknown_code", _("No voucher has this code."))
    if voucher.recent_failures >= failures_per_minute():
        raise _rate_limited()
    first_name = ""
    if show_first_name() and voucher.person_id:
        first_name = voucher.person.given_name
    return VoucherCheck(voucher, refusal_for(voucher, vendor, timezone.localdate()), first_name)


def _replay(prior: Redemption, digest: str, amount: Decimal) -> RedemptionResult:
    if prior.voucher.code_digest != digest or prior.amount != amount:
        raise VoucherRefused(
            "key_reused",
            _("This request was already sent with another code or amount; nothing was taken."),
        )
    return RedemptionResult(prior, replayed=True)


def _valid_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 128 or not key.isprintable():
        raise VoucherRefused("invalid_key", _("Each redemption needs an idempotency key (1–128 characters)."))
    return key


# What the checks read of the voucher; the other fields load on access, as deferred fields.
_LOCK_FIELDS = ("id", "code_hint", "status", "balance", "value", "category", "valid_from", "valid_until")


@functools.cache
def _lock_plan(using: str, lock: bool = True) -> tuple[str, tuple[str, ...], tuple[tuple[Any, list[Any]], ...]]:
    """The one statement that opens a redemption, and how to read its voucher columns.

    The voucher row, locked, with everything the checks need: whether it is reserved for
    some vendors and for this one, the categories of the vendor's contract, the vendor's
    failed look-ups of the last minute, and an earlier redemption with the same idempotency
    key. Raw SQL because compiling the equivalent queryset cost more CPU than running it
    (docs/decisions/0502-vouchers-redemption-speed.md). Keep `refusal_for` and
    `_refuse_if_rate_limited` in step with it."""
    connection = connections[using]
    qn = connection.ops.quote_name
    through = Voucher.vendors.through._meta
    # In the model's order, as Model.from_db expects them.
    fields = [f for f in Voucher._meta.concrete_fields if f.attname in _LOCK_FIELDS]
    columns = ", ".join(f"v.{qn(f.column)}" for f in fields)
    t_voucher = qn(through.get_field("voucher").column)
    t_vendor = qn(through.get_field("organisation").column)
    # Only identifiers from the models' metadata are formatted in; values are parameters.
    sql = (
        f"SELECT {columns},"  # noqa: S608
        f" EXISTS (SELECT 1 FROM {qn(through.db_table)} t WHERE t.{t_voucher} = v.id),"
        f" EXISTS (SELECT 1 FROM {qn(through.db_table)} t WHERE t.{t_voucher} = v.id"
        f" AND t.{t_vendor} = %s),"
        f" (SELECT c.categories FROM {qn(VendorContract._meta.db_table)} c WHERE c.vendor_id = %s AND c.active"
        f" AND (c.valid_from IS NULL OR c.valid_from <= %s) AND (c.valid_until IS NULL OR c.valid_until >= %s)),"
        f" (SELECT COUNT(*) FROM {qn(LookupFailure._meta.db_table)} f WHERE f.vendor_id = %s AND f.at >= %s),"
        f" p.id"
        f" FROM {qn(Voucher._meta.db_table)} v"
        f" LEFT JOIN {qn(Redemption._meta.db_table)} p ON p.vendor_id = %s AND p.idempotency_key = %s"
        f" WHERE v.code_digest = %s"
    )
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF v"
    elif lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    # SQLite has no row locks: its transactions here take the write lock when they begin
    # (transaction_mode IMMEDIATE), which serialises redemptions as a whole.
    readers = []
    for field in fields:
        column = field.get_col(Voucher._meta.db_table)
        readers.append((column, connection.ops.get_db_converters(column) + field.get_db_converters(connection)))
    return sql, tuple(f.attname for f in fields), tuple(readers)


def _locked_for_redemption(digest: str, vendor: Organisation, key: str, lock: bool = True) -> Voucher | None:
    using = router.db_for_write(Voucher)
    connection = connections[using]
    sql, names, readers = _lock_plan(using, lock)
    since = connection.ops.adapt_datetimefield_value(timezone.now() - dt.timedelta(minutes=1))
    with connection.cursor() as cursor:
        today = connection.ops.adapt_datefield_value(timezone.localdate())
        cursor.execute(sql, [vendor.pk, vendor.pk, today, today, vendor.pk, since, vendor.pk, key, digest])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row[:len(readers)])
    # Each column as the ORM reads it (SQLite gives dates as text, decimals as numbers).
    for index, (column, converters) in enumerate(readers):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    voucher = Voucher.from_db(using, names, values)
    restricted, accepted_here, categories, failures, prior_id = row[len(readers):]
    # 0/1 on SQLite, JSON as text on both.
    voucher.restricted, voucher.accepted_here = bool(restricted), bool(accepted_here)
    voucher.contract_categories = json.loads(categories) if isinstance(categories, str) else categories
    voucher.recent_failures, voucher.prior_id = int(failures), prior_id
    return voucher


@functools.cache
def _insert_sql(model: type[Model], using: str) -> tuple[str, tuple[Field, ...]]:
    """`INSERT INTO table (every concrete column) VALUES (%s, …)` for a model, and its fields.
    Columns with a database default are left to the database."""
    qn = connections[using].ops.quote_name
    fields = tuple(
        f for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False) and f.db_default is NOT_PROVIDED
    )
    columns = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})", fields  # noqa: S608


def _insert_params(fields: tuple[Field, ...], values: dict[str, Any], using: str) -> list[Any]:
    """Each field's value as the ORM would save it: given, or the field's default."""
    connection = connections[using]
    params = []
    for field in fields:
        if field.attname in values:
            value = values[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = field.get_default()
        params.append(field.get_db_prep_save(value, connection))
    return params


def _write_redemption(
    *, voucher: Voucher, vendor: Organisation, amount: Decimal, balance: Decimal, status: str,
    now: dt.datetime, actor: Any, key: str,
) -> Redemption:
    """The three writes of a redemption — the balance UPDATE, the redemption and the event
    INSERTs — as one statement on PostgreSQL (data-modifying WITH: one round trip instead
    of three, every statement run to completion or none), three on SQLite. Hand-written
    because the ORM's compiling of them cost more CPU than the database's running of them;
    the columns still come from the models, so a new field with a default is written too."""
    using = router.db_for_write(Redemption)
    connection = connections[using]
    qn = connection.ops.quote_name
    actor_id = actor.pk if actor is not None else None
    update = (
        f"UPDATE {qn(Voucher._meta.db_table)} SET balance = balance - %s, status = %s,"  # noqa: S608
        f" status_changed_at = %s WHERE id = %s"
    )
    update_params = [
        connection.ops.adapt_decimalfield_value(amount), status,
        connection.ops.adapt_datetimefield_value(now), voucher.pk,
    ]
    event_sql, event_fields = _insert_sql(VoucherEvent, using)
    event_params = _insert_params(event_fields, {
        "voucher_id": voucher.pk, "kind": VoucherEvent.Kind.REDEEMED, "at": now, "actor_id": actor_id,
        "vendor_id": vendor.pk, "amount": amount, "balance_after": balance,
    }, using)
    redemption_sql, redemption_fields = _insert_sql(Redemption, using)
    values = {"voucher_id": voucher.pk, "vendor_id": vendor.pk, "amount": amount, "balance_after": balance,
              "at": now, "actor_id": actor_id, "idempotency_key": key}
    redemption_params = _insert_params(redemption_fields, values, using)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH u AS ({update}), e AS ({event_sql}) {redemption_sql} RETURNING id",
                update_params + event_params + redemption_params,
            )
            pk = cursor.fetchone()[0]
        else:
            cursor.execute(update, update_params)
            cursor.execute(event_sql, event_params)
            cursor.execute(redemption_sql, redemption_params)
            pk = cursor.lastrowid
    redemption = Redemption(pk=pk, voucher=voucher, vendor=vendor, actor=actor, **{
        k: v for k, v in values.items() if k not in {"voucher_id", "vendor_id", "actor_id"}})
    redemption._state.adding, redemption._state.db = False, using
    return redemption


def _prior(vendor: Organisation, key: str) -> Redemption | None:
    return Redemption.objects.select_related("voucher").filter(vendor=vendor, idempotency_key=key).first()


def voucher_redeem(
    *, code: str, vendor: Organisation, amount: Any, actor: Any, idempotency_key: str
) -> RedemptionResult:
    """Take `amount` off the voucher for `vendor`, once, whatever the retries and the races.

    Round trips on the way that succeeds: BEGIN, the locking SELECT (`_lock_sql`), the
    balance UPDATE, the redemption and event INSERTs, COMMIT.
    """
    try:
        amount = money(amount)
    except ValidationError as error:
        raise VoucherRefused("invalid_amount", " ".join(error.messages)) from None
    key = _valid_key(idempotency_key)
    _refuse_unless_vendor_and_authentic(vendor, code)
    digest = codes.lookup_digest(code)
    try:
        with transaction.atomic():
            voucher = _locked_for_redemption(digest, vendor, key)
            if voucher is None:
                _refuse_if_rate_limited(vendor)
                raise VoucherRefused("unknown_code", _("No voucher has this code."))
            if voucher.recent_failures >= failures_per_minute():
                raise _rate_limited()
            if voucher.prior_id is not None:
                return _replay(_prior(vendor, key), digest, amount)
            now = timezone.now()
            refusal = refusal_for(voucher, vendor, timezone.localdate(now))
            if refusal is None and amount > voucher.balance:
                refusal = VoucherRefused(
                    "insufficient_balance",
                    _("Only %(balance)s MAD are left on this voucher.") % {"balance": voucher.balance},
                )
            if refusal is not None:
                # The locking SELECT saw the key table as it was before it waited for the
                # lock; a duplicate of this request may have committed meanwhile. A fresh
                # look (a new snapshot) answers what that one answered, not a refusal.
                prior = _prior(vendor, key)
                if prior is not None:
                    return _replay(prior, digest, amount)
                raise refusal
            balance = voucher.balance - amount
            status = after_redemption(balance)
            check_transition(voucher.status, status)
            # The arithmetic stays in the database (balance - amount): with the constraint,
            # even a missing lock could not take the balance below zero. A duplicate that
            # committed while this one waited for the lock makes the INSERT fail on
            # UNIQUE(vendor, idempotency_key): handled below. The event is the voucher's
            # ledger entry (who, where, how much); the audit trail is for personal data,
            # which a redemption does not touch.
            redemption = _write_redemption(voucher=voucher, vendor=vendor, amount=amount, balance=balance,
                                           status=status, now=now, actor=actor, key=key)
            voucher.balance, voucher.status, voucher.status_changed_at = balance, status, now
            return RedemptionResult(redemption, replayed=False)
    except VoucherRefused as refusal:
        if refusal.code == "unknown_code":
            _record_failure(vendor, "unknown")
        raise
    except IntegrityError:
        # The same key raced in (for this voucher or another): the unique constraint kept one.
        prior = _prior(vendor, key)
        if prior is None:
            raise
        return _replay(prior, digest, amount)


# --- Statements ----------------------------------------------------------------------------


@transaction.atomic
def statement_create(
    *, actor: Any, vendor: Organisation, period_start: dt.date, period_end: dt.date
) -> Statement:
    """Put the vendor's redemptions of the period that are on no statement yet on a new one."""
    if vendor.kind != Organisation.Kind.VENDOR:
        raise ValidationError(_("Statements are for vendors."))
    if period_end < period_start:
        raise ValidationError({"period_end": _("The end cannot be before the start.")})
    if period_end > timezone.localdate():
        raise ValidationError({"period_end": _("A statement cannot cover days still to come.")})
    start = timezone.make_aware(dt.datetime.combine(period_start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time.min))
    ids = list(
        Redemption.objects.select_for_update()
        .filter(vendor=vendor, statement__isnull=True, at__gte=start, at__lt=end)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise ValidationError(_("There are no redemptions to put on a statement in this period."))
    statement = Statement.objects.create(
        vendor=vendor, period_start=period_start, period_end=period_end, created_by=actor
    )
    Redemption.objects.filter(pk__in=ids).update(statement=statement)
    totals = Redemption.objects.filter(statement=statement).aggregate(total=Sum("amount"), n=Count("pk"))
    statement.total, statement.count = totals["total"], totals["n"]
    statement.save(update_fields=["total", "count"])
    audit_record(actor=actor, kind="create", action="statement.create", target=statement,
                 organisation_id=vendor.pk)
    return statement


@transaction.atomic
def statement_mark_paid(*, actor: Any, statement: Statement, payment_reference: str = "") -> Statement:
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status == Statement.Status.PAID:
        raise ValidationError(_("This statement is already marked paid."))
    statement.status, statement.paid_at, statement.paid_by = (
        Statement.Status.PAID, timezone.now(), actor,
    )
    statement.payment_reference = payment_reference[:80]
    statement.save(update_fields=["status", "paid_at", "paid_by", "payment_reference"])
    audit_record(actor=actor, kind="change", action="statement.paid", target=statement,
                 organisation_id=statement.vendor_id, fields=["status", "payment_reference"])
    return statement


@transaction.atomic
def vendor_contract_set(
    *, actor: Any, vendor: Organisation, categories: Iterable[str], active: bool = True,
    signed_on: dt.date | None = None,
) -> VendorContract:
    categories = sorted(set(categories))
    unknown = [c for c in categories if c not in Category.values]
    if vendor.kind != Organisation.Kind.VENDOR or unknown:
        raise ValidationError(_("A contract is for a vendor and known categories."))
    contract, _created = VendorContract.objects.update_or_create(
        vendor=vendor, defaults={"categories": categories, "active": active, "signed_on": signed_on}
    )
    audit_record(actor=actor, kind="change", action="vendor_contract.set", target=contract,
                 organisation_id=vendor.pk, fields=["categories", "active"])
    return contract
