"""The pre-release checks (pipeline.publish.validate) on good and deliberately broken tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline import schema
from pipeline.publish.validate import CHECKS, blocking_failures, check_tables, checks_for, summarize
from publish_sample import sample_rows, sample_tables, tables_from


def failed(outcomes, table=None):
    return {(o.table, o.check) for o in outcomes if not o.passed and (table is None or o.table == table)}


def test_sample_tables_pass_every_check():
    outcomes = check_tables(sample_tables())
    assert failed(outcomes) == set()
    # every table gets the checks that apply to it
    assert {(o.table, o.check) for o in outcomes} == {(t, c) for t in schema.TABLES for c in checks_for(t)}
    assert ("metrics", "offsets") in {(o.table, o.check) for o in outcomes}
    assert ("people", "names") in {(o.table, o.check) for o in outcomes}


def test_missing_and_extra_columns_and_wrong_types():
    tables = sample_tables()
    tables["people"] = tables["people"].drop(columns=["doc_count"])
    tables["firms"] = tables["firms"].assign(note="x")
    tables["metrics"] = tables["metrics"].assign(value=tables["metrics"]["value"].astype(str))
    outcomes = check_tables(tables)
    bad = {o.table: o for o in outcomes if o.check == "columns" and not o.passed}
    assert set(bad) == {"people", "firms", "metrics"}
    assert "doc_count" in bad["people"].examples[0]
    assert "note" in bad["firms"].examples[0]
    assert "value" in bad["metrics"].examples[0]
    assert all(o.blocking for o in bad.values())


def test_missing_table_and_required_nulls():
    tables = sample_tables()
    del tables["regions"]
    rows = sample_rows()
    rows["cities"][0]["full_name"] = None
    tables["cities"] = tables_from(rows)["cities"]
    out = failed(check_tables(tables))
    assert ("regions", "columns") in out and ("cities", "columns") in out


def test_duplicate_and_empty_ids():
    rows = sample_rows()
    rows["mentions"].append(dict(rows["mentions"][0]))  # duplicate mention_id
    rows["people"].append({**rows["people"][0], "person_id": " ", "name": "某人"})
    outcomes = check_tables(tables_from(rows))
    pk = {o.table: o for o in outcomes if o.check == "primary_key" and not o.passed}
    assert set(pk) == {"mentions", "people"}
    assert "appears 2 times" in pk["mentions"].examples[0]
    assert "empty person_id" in pk["people"].examples[0]


def test_errors_table_allows_a_null_line_in_its_key_but_not_duplicates():
    rows = sample_rows()
    rows["errors"].append({"source_path": "feed.jsonl", "line": 3, "reason": "bad json", "sha256": None, "kind": "unreadable"})
    assert failed(check_tables(tables_from(rows)), "errors") == set()
    rows["errors"].append({"source_path": "feed.jsonl", "line": 3, "reason": "again", "sha256": None, "kind": "unreadable"})
    assert failed(check_tables(tables_from(rows)), "errors") == {("errors", "primary_key")}


def test_foreign_keys_including_polymorphic_ones():
    rows = sample_rows()
    rows["people"][0]["firm_id"] = "firm_nowhere"
    rows["mentions"][0]["entity_id"] = "per_ghost"  # a firm mention pointing nowhere
    rows["mentions"][1]["entity_id"] = "firm_deepseek"  # exists, but typed city: wrong table
    rows["metrics"][0]["subject_id"] = "firm_deepseek"  # subject_type says city
    rows["metrics"][1]["doc_id"] = "d_missing"
    outcomes = check_tables(tables_from(rows))
    fk = {o.table: o for o in outcomes if o.check == "foreign_keys" and not o.passed}
    assert set(fk) == {"people", "mentions", "metrics"}
    assert fk["mentions"].failures == 2
    assert fk["metrics"].failures == 2
    assert any("firm_nowhere" in e for e in fk["people"].examples)


def test_a_metric_without_subject_is_fine():
    rows = sample_rows()
    rows["metrics"][0].update(subject_id=None, subject_type=None, subject_name=None)
    assert failed(check_tables(tables_from(rows))) == set()


def test_offsets_must_slice_to_the_text():
    rows = sample_rows()
    rows["mentions"][0]["char_start"] += 1
    rows["metrics"][0]["char_end"] = 10_000
    rows["metrics"][1]["span_text"] = "增长7.2%"
    outcomes = check_tables(tables_from(rows))
    off = {o.table: o for o in outcomes if o.check == "offsets" and not o.passed}
    assert set(off) == {"mentions", "metrics"}
    assert off["metrics"].failures == 2 and off["mentions"].failures == 1


@pytest.mark.parametrize("bad_value", [math.inf, -math.inf, math.nan])
def test_values_must_be_finite(bad_value):
    tables = sample_tables()
    tables["metrics"].loc[1, "value"] = bad_value
    assert ("metrics", "finite") in failed(check_tables(tables))


@pytest.mark.parametrize("name", ["", "  ", "、", "。", "·", "-"])
def test_entity_names_cannot_be_empty_or_punctuation(name):
    rows = sample_rows()
    rows["firms"].append({**rows["firms"][0], "firm_id": "firm_punct", "name": name})
    outcomes = check_tables(tables_from(rows))
    assert ("firms", "names") in failed(outcomes)
    assert any(o.check == "names" and o.blocking for o in blocking_failures(outcomes))


def test_one_character_names_that_are_words_are_fine():
    rows = sample_rows()
    rows["firms"].append({**rows["firms"][0], "firm_id": "firm_x", "name": "X"})
    assert ("firms", "names") not in failed(check_tables(tables_from(rows)))


def test_row_drop_is_a_warning_not_a_block():
    previous = sample_tables()
    rows = sample_rows()
    rows["mentions"] = rows["mentions"][:3]  # 6 -> 3 rows: -50%
    outcomes = check_tables(tables_from(rows), previous)
    drop = [o for o in outcomes if o.check == "row_drop" and not o.passed]
    assert [o.table for o in drop] == ["mentions"]
    assert not drop[0].blocking and "-50%" in drop[0].message
    assert blocking_failures(outcomes) == []
    # configurable share; previous counts may be plain integers
    assert not [o for o in check_tables(tables_from(rows), {"mentions": 6}, max_drop_share=0.6)
                if o.check == "row_drop" and not o.passed]
    assert "WARN  mentions.row_drop" in summarize(outcomes)


def test_every_check_is_described():
    for check, (blocking, description, _) in CHECKS.items():
        assert description and isinstance(blocking, bool)
    assert [c for c, (b, _, _) in CHECKS.items() if not b] == ["row_drop"]



@pytest.mark.parametrize("table, column, value, failing", [
    # a column of the wrong type: the columns check names it, and every check it keeps from
    # running reports on its own instead of taking the whole validation down
    ("metrics", "char_start", "x", {("metrics", "columns"), ("metrics", "offsets")}),
    ("metrics", "value", "a lot", {("metrics", "columns"), ("metrics", "finite")}),
    ("people", "name", 7, {("people", "columns")}),
    # negative case: a right-typed column changes nothing
    ("metrics", "value", 2.5, set()),
])
def test_a_column_of_the_wrong_type_is_reported_per_check(table, column, value, failing):
    tables = sample_tables()
    frame = tables[table].astype({column: object})
    frame[column] = [value] * len(frame)
    tables[table] = frame
    outcomes = check_tables(tables)
    assert {(o.table, o.check) for o in outcomes} == {(t, c) for t in schema.TABLES for c in checks_for(t)}
    assert failed(outcomes, table) == failing
