"""Reviewer-facing wording of the model's comparisons and levels (FR/AR/EN).

The model names its levels in English (`label_for_charts`); a level the table
does not know (a new one in a retrained model) is shown as the model names it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

FIELDS = {
    "name": _("Name"),
    "birth": _("Birth date"),
    "phone": _("Phone"),
    "document": _("Document"),
    "sex": _("Sex"),
    "nationality": _("Nationality"),
    "region": _("Region"),
}

LEVELS = {
    "null": _("missing on one side"),
    "else": _("different"),
    "exact": _("same"),
    "one edit": _("one character apart"),
    "same parts": _("same names, in any order"),
    "same first given and family part": _("same first given and family name"),
    "same skeletons": _("names that sound the same"),
    "both names close": _("both names close"),
    "one name contains the other": _("one name contains the other"),
    "family agrees, related given names": _("same family name, related given names"),
    "family agrees, given names somewhat close": _("same family name, given names somewhat close"),
    "family agrees, given differs": _("same family name, other given name"),
    "given agrees, family differs": _("same given name, other family name"),
    "same day, other given name (twins?)": _("same birthday, other given name (twins?)"),
    "same day": _("same day"),
    "day and month swapped": _("day and month swapped"),
    "same year, one side year only": _("same year (one side knows only the year)"),
    "same year, other day": _("same year, other day"),
    "one year apart": _("one year apart"),
    "2 to 5 years apart": _("2 to 5 years apart"),
    "6 to 14 years apart": _("6 to 14 years apart"),
    "a generation apart": _("a generation apart"),
    "same phone, other given name (household?)": _("same phone, other given name (household?)"),
    "same phone": _("same phone"),
}

AGREEMENT = {
    "agree": _("agrees"),
    "weak": _("agrees a little"),
    "neutral": _("no evidence"),
    "disagree": _("disagrees"),
    "missing": _("missing"),
}


def readable(detail: list[dict]) -> list[dict]:
    """A pair's stored detail with translated labels, for templates and the API."""
    return [
        {**row,
         "field_label": FIELDS.get(row.get("field", ""), row.get("field", "")),
         "level_label": LEVELS.get(row.get("level", ""), row.get("level", "")),
         "agreement_label": AGREEMENT.get(row.get("agreement", ""), row.get("agreement", ""))}
        for row in detail
    ]
