"""Statistical disclosure control for every figure that outsiders see (PROTECTION P18).

A pure library with no models: pages, exports, reports and the public API all publish
tables through `protect(...)`, so that suppression is the same everywhere.
"""

from himaya.disclosure.suppression import (
    MEDICAL_THRESHOLD,
    STANDARD_THRESHOLD,
    ProtectedTable,
    protect,
    protect_counts,
)

__all__ = [
    "MEDICAL_THRESHOLD",
    "STANDARD_THRESHOLD",
    "ProtectedTable",
    "protect",
    "protect_counts",
]
