"""A real browser against ``make serve``'s Datasette: headless Chromium renders the home page,
which must list every table with its CSV link; the CSV behind the link must hold the table's
rows; a screenshot of the page is saved.

Chromium is Debian's ``chromium`` (``.ci/run`` installs it); the test skips, saying so, where
it is absent. The screenshot goes to the test's temp folder, and also to the path in
``DATASETTE_SCREENSHOT`` when set (``DATASETTE_SCREENSHOT=docs/screenshot-datasette.png``
refreshes the README's picture; ``DATASETTE_OUT=outputs`` serves a real output folder instead
of the sample release).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.publish import publish_release
from publish_sample import datasette_server, sample_tables, second_build_rows, sources_for, tables_from

pytestmark = pytest.mark.slow

CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).exists()), None)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
]


def chromium(*args: str, timeout: int = 90) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, timeout=timeout, check=False,
        )


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    if os.environ.get("DATASETTE_OUT"):
        return Path(os.environ["DATASETTE_OUT"]).resolve()
    out = tmp_path_factory.mktemp("browser")
    t1 = sample_tables()
    publish_release(t1, out, sources_for(t1), now=datetime(2026, 11, 28, 9, tzinfo=timezone.utc))
    t2 = tables_from(second_build_rows())
    publish_release(t2, out, sources_for(t2), now=datetime(2026, 11, 28, 10, tzinfo=timezone.utc))
    return out


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")
def test_home_page_lists_tables_and_csv_links_work(out_dir, tmp_path):
    with datasette_server(out_dir) as base:
        dom = chromium("--dump-dom", base + "/")
        assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
        html = dom.stdout.decode("utf-8")
        parser = Links()
        parser.feed(html)
        hrefs = parser.hrefs
        for name in schema.TABLES:
            assert f"/dataset/{name}" in hrefs, f"home page does not list table {name}"
            assert f"/files/{name}.csv" in hrefs, f"home page has no CSV link for {name}"
        assert any(h.endswith(".zip") for h in hrefs)

        latest = (out_dir / "latest").resolve()
        for name in schema.TABLES:
            url = urllib.parse.urljoin(base + "/", f"/files/{name}.csv")
            with urllib.request.urlopen(url, timeout=10) as r:
                body = r.read().decode("utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(body)))
            expected = pq.read_table(latest / f"{name}.parquet")
            assert len(rows) == expected.num_rows, name
            key = schema.TABLES[name].primary_key[0]
            assert [r[key] for r in rows] == [str(v) if v is not None else "" for v in expected.column(key).to_pylist()]

        # A table page rendered by the browser offers CSV and JSON exports of the view.
        table_dom = chromium("--dump-dom", base + "/dataset/people").stdout.decode("utf-8")
        links = Links()
        links.feed(table_dom)
        assert any(".csv" in h for h in links.hrefs) and any(".json" in h for h in links.hrefs)

        shot = tmp_path / "datasette.png"
        result = chromium(f"--screenshot={shot}", "--window-size=1280,1000", base + "/")
        assert result.returncode == 0 and shot.exists()
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
        if os.environ.get("DATASETTE_SCREENSHOT"):
            target = Path(os.environ["DATASETTE_SCREENSHOT"])
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, target)


class TableCells(HTMLParser):
    """The text of every ``<td>`` of the rows table, and the search box's value."""

    def __init__(self):
        super().__init__()
        self.cells: list[str] = []
        self.search_value: str | None = None
        self._in_td = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "td":
            self._in_td = True
            self.cells.append("")
        elif tag == "input" and attrs.get("name") == "_search":
            self.search_value = attrs.get("value")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_td = False

    def handle_data(self, data):
        if self._in_td:
            self.cells[-1] += data.strip()


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")
def test_two_character_search_in_the_browser(out_dir):
    """The search box of a table page finds two-character names (杭州) and parts of names (兴兴)."""
    with datasette_server(out_dir) as base:
        for table, query, expected, absent in (("cities", "杭州", "杭州", None), ("people", "兴兴", "王兴兴", "梁文锋")):
            url = f"{base}/dataset/{table}?_search={urllib.parse.quote(query)}"
            dom = chromium("--dump-dom", url)
            assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
            page = TableCells()
            page.feed(dom.stdout.decode("utf-8"))
            assert expected in page.cells, (query, page.cells[:20])
            assert absent is None or absent not in page.cells
            assert "1 row" in dom.stdout.decode("utf-8")
