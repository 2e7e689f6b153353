"""``python -m pipeline serve``: Datasette on the latest release, over HTTP (no browser needed)."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import pytest

from pipeline import schema
from pipeline.publish import publish_release
from pipeline.publish.serve import datasette_metadata, resolve_release
from publish_sample import datasette_server, sample_tables, second_build_rows, sources_for, tables_from

pytestmark = pytest.mark.slow


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200
        return r.read()


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("serve")
    t1 = sample_tables()
    publish_release(t1, out, sources_for(t1), now=datetime(2026, 11, 28, 9, tzinfo=timezone.utc))
    t2 = tables_from(second_build_rows())
    publish_release(t2, out, sources_for(t2), now=datetime(2026, 11, 28, 10, tzinfo=timezone.utc))
    return out


def test_metadata_is_generated_from_the_schema(out):
    release = resolve_release(out)
    meta = datasette_metadata(release, out)
    assert meta["license"] == "CC-BY-4.0"
    tables = meta["databases"]["dataset"]["tables"]
    assert set(tables) == set(schema.TABLES)
    assert tables["metrics"]["columns"]["value"] == schema.METRICS.column("value").description
    assert tables["people"]["fts_table"] == "people_fts"
    assert "dataset-2026.11.28.02.zip" in meta["description_html"]
    assert "2026.11.28.01" in meta["description_html"]  # earlier release listed


def test_serve_without_a_release_fails_clearly(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pipeline", "serve", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "make run" in result.stderr


def test_datasette_serves_tables_files_search_and_exports(out):
    with datasette_server(out) as base:
        home = get(base + "/").decode()
        for name in schema.TABLES:
            assert f'href="/dataset/{name}"' in home and f'href="/files/{name}.csv"' in home
        # the example links built from the data work and find something
        import re

        examples = re.findall(r'<a href="(/dataset/[^"]+)">', home.split("Try:")[1].split("</p>")[0])
        assert len(examples) == 4
        for link in examples:
            path, _, query = link.partition("?")
            data = json.loads(get(f"{base}{path}.json?{query}&_shape=array"))
            assert data, link
        rows = list(csv.DictReader(io.StringIO(get(base + "/files/people.csv").decode("utf-8-sig"))))
        assert sorted(r["name"] for r in rows) == ["梁文锋", "王兴兴"]
        zip_bytes = get(base + "/files/dataset-2026.11.28.02.zip")
        assert zip_bytes[:2] == b"PK"
        old = get(base + "/releases/2026.11.28.01/dataset-2026.11.28.01.zip")
        assert old[:2] == b"PK"
        # full-text search and JSON/CSV export of a filtered view
        q = urllib.parse.quote("数字经济核心")
        found = json.loads(get(f"{base}/dataset/metrics.json?_search={q}&_shape=array"))
        assert len(found) == 2 and {r["unit"] for r in found} == {"元", "%"}
        filtered = get(f"{base}/dataset/mentions.csv?entity_type=person&_size=max").decode("utf-8")
        people = list(csv.DictReader(io.StringIO(filtered)))
        assert sorted(r["text"] for r in people) == ["梁文锋", "王兴兴"]
        # canned queries over the entities view
        top = json.loads(get(f"{base}/dataset/top_entities.json?_shape=array"))
        assert top[0]["name"] == "杭州" and top[0]["mention_count"] == 3
        # (the context comes from documents.text: a document whose text is withheld has none)
        where = json.loads(get(f"{base}/dataset/mentions_of.json?name={urllib.parse.quote('梁文锋')}&_shape=array"))
        assert len(where) == 1 and "梁文锋" in where[0]["context"] and where[0]["entity_type"] == "person"
        facts = json.loads(get(f"{base}/dataset/facts_with_sources.json?_shape=array"))
        assert len(facts) == 3 and {f["document"] for f in facts} == {"杭州数字经济", "宇树科技"}
        page = get(base + "/dataset/metrics").decode()
        assert schema.METRICS.column("span_text").description.split(".")[0] in page  # column descriptions
        # the data dictionary page, linked from the home page and from every table's page
        assert 'href="/files/data-dictionary.html"' in home
        assert 'href="/files/data-dictionary.html#metrics"' in page
        dictionary = get(base + "/files/data-dictionary.html").decode()
        assert all(f'id="{name}"' in dictionary for name in schema.TABLES)


def test_chinese_search_excel_csv_parquet_type_and_a_new_release_without_restart(out, tmp_path):
    import shutil

    import pyarrow.parquet as pq

    served = tmp_path / "served"
    shutil.copytree(out, served, symlinks=True)
    with datasette_server(served) as base:
        def search(table: str, query: str) -> list[str]:
            q = urllib.parse.quote(query)
            return sorted(r["name"] for r in json.loads(get(f"{base}/dataset/{table}.json?_search={q}&_shape=array")))

        assert search("cities", "杭州") == ["杭州"]  # two characters
        assert search("cities", "杭") == ["杭州"]  # one
        assert search("people", "文锋") == ["梁文锋"]  # the end of a name
        assert search("firms", "求索公司") == ["深度求索"]  # an alias
        assert search("people", "杭州") == []
        # CSV of a browser view: a byte-order mark (Excel), lists joined with "|"
        body = get(f"{base}/dataset/firms.csv?_dl=1&_size=max")
        assert body.startswith(b"\xef\xbb\xbf") and not body.startswith(b"\xef\xbb\xbf" * 2)
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        expected = pq.read_table(served / "latest" / "firms.parquet").to_pylist()
        assert {r["firm_id"]: r["aliases"] for r in rows} == {e["firm_id"]: "|".join(e["aliases"]) for e in expected}
        assert get(f"{base}/files/firms.csv").count(b"\xef\xbb\xbf") == 1  # the published file keeps its one BOM
        with urllib.request.urlopen(f"{base}/files/people.parquet", timeout=10) as r:
            assert r.headers["Content-Type"] == "application/vnd.apache.parquet"
        # a new release while the server runs: served at once
        rows3 = second_build_rows()
        rows3["people"].append({**rows3["people"][0], "person_id": "per_new", "name": "雷军", "aliases": []})
        t3 = tables_from(rows3)
        publish_release(t3, served, sources_for(t3), now=datetime(2026, 11, 28, 11, tzinfo=timezone.utc))
        assert search("people", "雷军") == ["雷军"]
        assert "Release 2026.11.28.03" in get(base + "/").decode()
        assert get(base + "/files/CHANGES.md").decode().startswith("# Changes in release 2026.11.28.03")
