"""Source snapshots against a real HTTP server on 127.0.0.1: pages and a feed land in raw/ as
immutable files with sidecars; robots.txt, a 404 and a stalling endpoint become error rows;
the run is bounded in requests and time; the ingest reads the result."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.ingest import list_sources, read_source
from pipeline.snapshots import SnapshotSettings, SourceSpec, load_sources, take_snapshots

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
PAGE = (FIXTURES / "article.html").read_bytes()
ITEM_PAGE = (FIXTURES / "feed" / ".pages" / "q2.html").read_bytes()
STALL_SECONDS = 3.0
TIMEOUT = 0.5


def _feed(base: str) -> bytes:
    rss = (FIXTURES / "feed" / "tech.rss").read_text(encoding="utf-8")
    return rss.replace("https://news.example.cn/item/", f"{base}/item/").encode("utf-8")


class Site(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        Site.hits.append(self.path)
        base = f"http://{self.headers['Host']}"
        routes = {
            "/robots.txt": (b"User-agent: *\nDisallow: /private/\n", "text/plain"),
            "/feed.xml": (_feed(base), "application/rss+xml"),
            "/item/q2.html": (ITEM_PAGE, "text/html; charset=utf-8"),
            "/page.html": (PAGE, "text/html; charset=utf-8"),
            "/private/secret.html": (PAGE, "text/html"),
        }
        if self.path == "/stall.html":
            time.sleep(STALL_SECONDS)
        if self.path == "/moved.html":
            self.send_response(301)
            self.send_header("Location", "/page.html")
            self.end_headers()
            return
        if self.path not in routes:
            self.send_response(404)
            self.end_headers()
            return
        body, ctype = routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _sources(site: str) -> list[SourceSpec]:
    return [
        SourceSpec("tech-feed", f"{site}/feed.xml", "feed", "CC-BY-4.0", rate_limit=0.0),
        SourceSpec("article", f"{site}/page.html", "page", "CC-BY-4.0", rate_limit=0.0),
        SourceSpec("private", f"{site}/private/secret.html", "page", rate_limit=0.0),
        SourceSpec("missing", f"{site}/missing.html", "page", rate_limit=0.0),
        SourceSpec("stall", f"{site}/stall.html", "page", rate_limit=0.0),
    ]


SETTINGS = SnapshotSettings(timeout=TIMEOUT, max_requests=20, time_budget=30)


@pytest.fixture(scope="module")
def first_run(site, tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    Site.hits.clear()
    started = time.monotonic()
    report = take_snapshots(raw, SETTINGS, _sources(site))
    return raw, report, time.monotonic() - started, list(Site.hits)


def test_the_right_files_land_in_raw_with_sidecars(first_run, site):
    raw, report, _, _ = first_run
    by = {o.name: o for o in report.outcomes}
    assert by["tech-feed"].status == "saved" and by["article"].status == "saved"
    page = raw / by["article"].path
    assert page.suffix == ".html" and page.read_bytes() == PAGE
    assert not page.stat().st_mode & 0o222  # immutable: read-only
    meta = json.loads(page.with_name(page.name + ".meta.json").read_text())
    assert meta["url"] == f"{site}/page.html" and meta["status"] == 200
    assert meta["sha256"] == hashlib.sha256(PAGE).hexdigest() and meta["license"] == "CC-BY-4.0"
    assert meta["accessed_at"].endswith("Z")
    feed = raw / by["tech-feed"].path
    feed_meta = json.loads(feed.with_name(feed.name + ".meta.json").read_text())
    assert list(feed_meta["pages"]) == [f"{site}/item/q2.html"]  # only the summary-only item's page
    assert (feed.parent / feed_meta["pages"][f"{site}/item/q2.html"]).read_bytes() == ITEM_PAGE


def test_forbidden_missing_and_stalling_sources_are_error_rows(first_run):
    raw, report, _, hits = first_run
    reasons = {o.name: o.reason for o in report.errors}
    assert set(reasons) == {"private", "missing", "stall"}
    assert "robots.txt forbids" in reasons["private"] and "/private/secret.html" not in hits
    assert reasons["missing"] == "HTTP 404"
    assert "timed out" in reasons["stall"]
    for name in reasons:
        assert (raw / "snapshots" / name / "last.fetch-error").is_file()
        assert not [p for p in (raw / "snapshots" / name).iterdir() if p.name != "last.fetch-error"]


def test_the_run_is_bounded_in_requests_and_time(first_run):
    _, report, seconds, hits = first_run
    # robots.txt once per host, the feed, one item page, the page, the 404, the stalled one
    assert report.requests == len(hits) == 6
    assert seconds < STALL_SECONDS  # the stalled endpoint was cut off at the timeout


def test_the_ingest_reads_documents_and_error_rows(first_run):
    raw, *_ = first_run
    docs, errors = [], []
    for unit in list_sources(raw):
        d, e = read_source(raw, unit.key)
        docs += d
        errors += e
    assert sorted(e.source_path for e in errors) == [f"snapshots/{n}/last.fetch-error" for n in ("missing", "private", "stall")]
    assert any("HTTP 404" in e.reason for e in errors)
    assert len(docs) == 3  # two feed items and the page; the item page is read through the feed
    assert all(d.license == "CC-BY-4.0" and d.accessed_at for d in docs)
    q2 = next(d for d in docs if d.source_path.endswith("#q2"))
    assert "139个国家和地区" in q2.text  # from the saved page, not the summary


def test_an_unchanged_source_writes_nothing_and_a_budget_stops_the_run(first_run, site):
    raw, *_ = first_run
    before = sorted(p.relative_to(raw) for p in raw.rglob("*"))
    report = take_snapshots(raw, SETTINGS, _sources(site)[:2])
    assert {o.status for o in report.outcomes} == {"unchanged"}
    assert sorted(p.relative_to(raw) for p in raw.rglob("*")) == before
    tight = take_snapshots(raw, SnapshotSettings(timeout=TIMEOUT, max_requests=1), _sources(site)[1:2])
    assert tight.requests == 1 and "budget" in tight.errors[0].reason


def test_a_redirect_is_followed_and_recorded(site, tmp_path):
    report = take_snapshots(tmp_path, SETTINGS, [SourceSpec("moved", f"{site}/moved.html", rate_limit=0.0)])
    (outcome,) = report.outcomes
    assert outcome.status == "saved"
    meta = json.loads((tmp_path / (outcome.path + ".meta.json")).read_text())
    assert meta["url"] == f"{site}/moved.html" and meta["final_url"] == f"{site}/page.html"


def test_sources_yaml_is_checked(tmp_path):
    good = tmp_path / "sources.yaml"
    good.write_text("settings: {timeout: 5}\nsources:\n  - {name: a-feed, url: 'https://example.org/rss.xml', license: CC0}\n")
    settings, specs = load_sources(good)
    assert settings.timeout == 5 and specs[0].kind == "feed" and specs[0].license == "CC0"
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {name: 'Bad Name', url: 'ftp://x'}\n")
    with pytest.raises(ValueError, match="name"):
        load_sources(bad)


def test_the_dagster_asset_snapshots_and_reports_errors_without_failing(site, tmp_path):
    import dagster as dg
    import yaml

    from pipeline.defs.jobs import build_all
    from pipeline.defs.resources import PipelineConfig
    from pipeline.defs.snapshots import ASSETS, JOBS, SCHEDULES

    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({
        "settings": {"timeout": TIMEOUT, "max_requests": 10},
        "sources": [{"name": "article", "url": f"{site}/page.html", "license": "CC0", "rate_limit": 0},
                    {"name": "missing", "url": f"{site}/missing.html", "rate_limit": 0}],
    }))
    raw = tmp_path / "raw"
    from dagster_instance import temp_instance

    with temp_instance() as instance:
        result = dg.materialize(
            ASSETS, instance=instance, resources={"pipeline": PipelineConfig(raw_dir=str(raw))},
            run_config={"ops": {"source_snapshots": {"config": {"sources_file": str(sources)}}}},
        )
        # its own job and schedule; the build job never includes it (resolved while the instance lives)
        defs = dg.Definitions(assets=ASSETS, jobs=[*JOBS, build_all], schedules=SCHEDULES,
                              resources={"pipeline": PipelineConfig(raw_dir=str(raw))})
        snapshot_keys = defs.resolve_job_def("snapshot_sources").asset_layer.selected_asset_keys
        build_keys = defs.resolve_job_def("build_all").asset_layer.selected_asset_keys
    assert result.success
    meta = result.asset_materializations_for_node("source_snapshots")[0].metadata
    assert meta["saved"].value == 1 and meta["errors"].value == 1
    assert (raw / "snapshots" / "missing" / "last.fetch-error").is_file()
    assert [k.to_user_string() for k in snapshot_keys] == ["source_snapshots"]
    assert dg.AssetKey("source_snapshots") not in build_keys
