"""The data migrations' catalogues, put back after a transactional test flushed every table."""

from __future__ import annotations

import importlib

from django.apps import apps

from tests.assistance.factories import ensure_catalogue


def ensure_data_migrations() -> None:
    """The rows the data migrations write (each seed is idempotent), put back when missing."""
    from himaya.capacity.models import AssessmentDomain
    from himaya.registry.models import VulnerabilityCriterion

    if not VulnerabilityCriterion.objects.exists():
        importlib.import_module("himaya.registry.migrations.0002_vulnerability_catalogue").add_criteria(
            apps, None)
    if not AssessmentDomain.objects.exists():
        importlib.import_module("himaya.capacity.migrations.0002_default_assessment_domains").add_domains(
            apps, None)
    ensure_catalogue()
