"""The default auto-merge weight follows the batch size (decision 0307)."""

from __future__ import annotations

import math

import pytest

from himaya.dedup.model import CALIBRATION_RECORDS, Thresholds, size_adjusted


def test_calibration_size_and_smaller_keep_the_thresholds() -> None:
    base = Thresholds()
    assert size_adjusted(base, CALIBRATION_RECORDS) == base
    assert size_adjusted(base, 10_000) == base


def test_larger_batches_raise_auto_merge_by_the_fall_of_the_prior() -> None:
    base = Thresholds(auto_merge=4.0, review=0.0)
    at_300k = size_adjusted(base, 3 * CALIBRATION_RECORDS)
    assert at_300k.auto_merge == pytest.approx(4.0 + math.log2(3))
    assert at_300k.review == 0.0
    assert size_adjusted(base, 10 * CALIBRATION_RECORDS).auto_merge == pytest.approx(
        4.0 + math.log2(10))
