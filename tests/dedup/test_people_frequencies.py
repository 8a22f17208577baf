"""The phone's term frequency counts the people on it, not the records."""

from __future__ import annotations

from himaya.dedup.features import features_table
from himaya.dedup.model import connect
from himaya.dedup.term_frequencies import PEOPLE_KEYS, people_frequencies


def _record(record_id: str, given: str, phone: str | None) -> dict[str, str | None]:
    return {"record_id": record_id, "given_name": given, "family_name": "Diallo",
            "birth_date": "1990", "phone": phone}


def test_one_person_registered_three_times_counts_once_a_household_counts_each_member():
    table = features_table([
        # One woman, three registrations (two spellings of one name), one phone.
        _record("1", "Fatoumata", "0612345678"),
        _record("2", "Fatimata", "+212 6 12 34 56 78"),
        _record("3", "Fatoumata", "0612345678"),
        # A household of three on another phone.
        _record("4", "Mamadou", "0677777777"),
        _record("5", "Mariama", "0677777777"),
        _record("6", "Ousmane", "0677777777"),
        _record("7", "Aissatou", None),
    ])
    rows = people_frequencies(table, "phone", PEOPLE_KEYS["phone"], connect()).to_pylist()
    tf = {row["phone"]: row["tf_phone"] for row in rows}
    # Six records have a phone: Splink's record count gives both phones 3/6.
    assert tf == {"+212612345678": 1 / 6, "+212677777777": 3 / 6}
