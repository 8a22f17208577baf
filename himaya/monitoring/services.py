"""Writes to the results framework: one transaction each, each with its audit row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from himaya.audit.services import audit_record
from himaya.monitoring import measures
from himaya.monitoring.models import (
    Dimension,
    Indicator,
    ManualValue,
    NarrativeSection,
    ReportingPeriod,
    Target,
)
from himaya.monitoring.queries import forget_actuals
from himaya.organisations.models import Programme


def _clean_disaggregations(values: list[str]) -> list[str]:
    unknown = sorted(set(values) - set(Dimension.values))
    if unknown:
        raise ValidationError(_("Unknown disaggregation: %(names)s.") % {"names": ", ".join(unknown)})
    return [value for value in Dimension.values if value in values]


@transaction.atomic
def indicator_save(
    *,
    actor: Any,
    programme: Programme,
    indicator: Indicator | None = None,
    code: str,
    title_fr: str,
    title_ar: str = "",
    title_en: str = "",
    unit: str = "count",
    baseline: Decimal = Decimal(0),
    end_target: Decimal | None = None,
    method: str = Indicator.Method.COMPUTED,
    definition: dict[str, Any] | None = None,
    disaggregations: list[str] | None = None,
    sensitive: bool = False,
    counts_people: bool = True,
    outcome: Any = None,
    output: Any = None,
    order: int = 0,
) -> Indicator:
    """Create or change an indicator; a computed one must carry a definition that computes."""
    if method == Indicator.Method.COMPUTED:
        try:
            definition = measures.validate_definition(definition or {})
        except measures.DefinitionError as error:
            raise ValidationError({"definition": str(error)}) from None
        kind = measures.KINDS[definition["kind"]]
        disaggregations = [d for d in _clean_disaggregations(disaggregations or [])
                           if d in kind.dimensions]
    else:
        definition = {}
        disaggregations = _clean_disaggregations(disaggregations or [])
    if output is not None:
        outcome = output.outcome
    for related in (outcome, output):
        owner = getattr(related, "programme_id", None) or getattr(
            getattr(related, "outcome", None), "programme_id", None)
        if related is not None and owner != programme.pk:
            raise ValidationError(_("The outcome or output belongs to another programme."))
    if (Indicator.objects.filter(programme=programme, code=code)
            .exclude(pk=getattr(indicator, "pk", None)).exists()):
        raise ValidationError({"code": _("Another indicator of this programme has this code.")})
    fields = {
        "code": code, "title_fr": title_fr, "title_ar": title_ar, "title_en": title_en,
        "unit": unit, "baseline": baseline, "end_target": end_target, "method": method,
        "definition": definition, "disaggregations": disaggregations, "sensitive": sensitive,
        "counts_people": counts_people, "outcome": outcome, "output": output, "order": order, "updated_by": actor,
    }
    if indicator is None:
        indicator = Indicator.objects.create(programme=programme, **fields)
        kind = "create"
    else:
        for name, value in fields.items():
            setattr(indicator, name, value)
        indicator.save()
        kind = "change"
    audit_record(actor=actor, kind=kind, action="monitoring.indicator.save", target=indicator,
                 fields=["definition", "targets"])
    transaction.on_commit(lambda: forget_actuals(programme))
    return indicator


@transaction.atomic
def target_set(*, actor: Any, indicator: Indicator, period: ReportingPeriod,
               value: Decimal | None) -> Target | None:
    """Set (or, with None, remove) the indicator's target for a period of its programme."""
    if period.programme_id != indicator.programme_id:
        raise ValidationError(_("The period belongs to another programme."))
    if value is not None and value < 0:
        raise ValidationError(_("A target cannot be negative."))
    audit_record(actor=actor, kind="change", action="monitoring.target.set", target=indicator)
    if value is None:
        Target.objects.filter(indicator=indicator, period=period).delete()
        return None
    target, _created = Target.objects.update_or_create(
        indicator=indicator, period=period, defaults={"value": value}
    )
    return target


@transaction.atomic
def manual_value_record(*, actor: Any, indicator: Indicator, period: ReportingPeriod,
                        value: Decimal, evidence: str) -> ManualValue:
    """The value of a hand-entered indicator for a period; no value without its evidence."""
    if indicator.is_computed:
        raise ValidationError(_("This indicator is computed from the records; it takes no value by hand."))
    if period.programme_id != indicator.programme_id:
        raise ValidationError(_("The period belongs to another programme."))
    if value < 0:
        raise ValidationError({"value": _("A value cannot be negative.")})
    if not evidence.strip():
        raise ValidationError({"evidence": _("Say where the figure comes from.")})
    entry, _created = ManualValue.objects.update_or_create(
        indicator=indicator, period=period,
        defaults={"value": value, "evidence": evidence.strip(), "entered_by": actor},
    )
    audit_record(actor=actor, kind="change", action="monitoring.value.record", target=entry)
    return entry


@transaction.atomic
def period_create(*, actor: Any, programme: Programme, label: str, start: Any,
                  end: Any) -> ReportingPeriod:
    if end < start:
        raise ValidationError({"end": _("The end cannot be before the start.")})
    if ReportingPeriod.objects.filter(programme=programme, label=label).exists():
        raise ValidationError({"label": _("The programme already has a period with this label.")})
    period = ReportingPeriod.objects.create(programme=programme, label=label, start=start, end=end)
    audit_record(actor=actor, kind="create", action="monitoring.period.create", target=period)
    transaction.on_commit(lambda: forget_actuals(programme))
    return period


@transaction.atomic
def narrative_save(*, actor: Any, programme: Programme, section: NarrativeSection | None = None,
                   period: ReportingPeriod | None = None, heading_fr: str, body_fr: str,
                   heading_ar: str = "", body_ar: str = "", heading_en: str = "",
                   body_en: str = "", order: int = 0) -> NarrativeSection:
    if period is not None and period.programme_id != programme.pk:
        raise ValidationError(_("The period belongs to another programme."))
    if not heading_fr.strip() or not body_fr.strip():
        raise ValidationError(_("A section needs a French heading and text."))
    values = {"period": period, "heading_fr": heading_fr, "body_fr": body_fr,
              "heading_ar": heading_ar, "body_ar": body_ar, "heading_en": heading_en,
              "body_en": body_en, "order": order, "updated_by": actor}
    if section is None:
        section = NarrativeSection.objects.create(programme=programme, **values)
    else:
        for name, value in values.items():
            setattr(section, name, value)
        section.save()
    audit_record(actor=actor, kind="change", action="monitoring.narrative.save", target=section)
    return section
