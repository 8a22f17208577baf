"""Trained models are versioned JSON files; the highest version is used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from himaya.dedup.model import ModelStore, Thresholds, TrainedModel, settings


def test_save_and_load_versions(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    first = store.save(TrainedModel(settings(), Thresholds(auto_merge=11, review=3)))
    second = store.save(TrainedModel(settings(), Thresholds(auto_merge=9, review=1)))
    assert (first, second) == (1, 2)
    assert store.load().thresholds == Thresholds(auto_merge=9, review=1)
    assert store.load(1).thresholds.auto_merge == 11
    saved = json.loads((tmp_path / "model-0002.json").read_text("utf-8"))
    assert saved["metadata"]["version"] == 2


def test_model_for_other_features_is_refused(tmp_path: Path) -> None:
    data = TrainedModel(settings()).to_json() | {"features_version": 0}
    with pytest.raises(ValueError, match="retrain"):
        TrainedModel.from_json(data)


def test_thresholds_in_order() -> None:
    with pytest.raises(ValueError):
        Thresholds(auto_merge=2, review=5)


def test_no_duckdb_extension_can_be_installed() -> None:
    from himaya.dedup.model import connect

    con = connect()
    assert con.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone() == (False,)
    con.close()


def test_engine_imports_without_django_settings() -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = ("import sys, himaya.dedup.matching, himaya.dedup.evaluation; "
            "sys.exit('django' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0
