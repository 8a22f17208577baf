"""Sample path arguments for the reporting routes (see tests/access_samples.py)."""

from __future__ import annotations

from tests.access_samples import Sample
from tests.monitoring.samples import NOT_PARTY, programme_of

SAMPLES: dict[str, Sample] = {
    "reporting:donor-report-start": Sample(lambda w: {"pk": programme_of(w).pk},
                                           hidden_from=NOT_PARTY),
    "reporting:open-iati": Sample(lambda w: {"code": programme_of(w).code}),
}
