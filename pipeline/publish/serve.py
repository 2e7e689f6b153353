"""``python -m pipeline serve``: browse and download the latest release with Datasette.

Datasette serves the release's ``dataset.sqlite`` (read-only, immutable) on
loopback, with metadata generated from ``pipeline.schema`` and the release's
``datapackage.json``: dataset title and description, licence, sources, a
title, description and column descriptions for every table, full-text search
(the ``<table>_fts`` indexes), facets and sort orders. The release folder is
mounted at ``/files/`` (``--static``) and all releases at ``/releases/``, so
the home page links every table to its CSV and Parquet files, the zip,
``datapackage.json``, ``CHANGES.md`` and ``SHA256SUMS``, and lists earlier
releases. Every table or filtered view exports CSV and JSON (Datasette's own
links). Security: only http(s) URLs become links (``safe_url``), and every
response carries a Content-Security-Policy (``datasette_plugins/``). The command replaces itself with the Datasette process (``exec``), so
stopping its PID stops the server.

The plugin ``datasette_plugins/pipeline_release.py`` follows ``<out>/latest``
(a new release shows without a restart), makes Chinese search match one- and
two-character names, adds a byte-order mark to CSV exports (Excel) and serves
Parquet as ``application/vnd.apache.parquet``.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sqlite3
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

from pipeline import schema
from pipeline.publish import downloads
from pipeline.publish.catalog import read_catalog
from pipeline.publish.datapackage import read_datapackage, table_row_counts

DB_NAME = "dataset"  # Datasette names the database after the file: dataset.sqlite
FILES_MOUNT = "files"
RELEASES_MOUNT = "releases"
PLUGINS_DIR = Path(__file__).resolve().parent / "datasette_plugins"
PLUGIN = "pipeline-release"

# Table display options for Datasette (facets, sort order, label column).
TABLE_OPTIONS: dict[str, dict] = {
    "documents": {"label_column": "title", "sort": "source_path"},
    "people": {"label_column": "name", "sort_desc": "mention_count"},
    "firms": {"label_column": "name", "sort_desc": "mention_count"},
    "organizations": {"label_column": "name", "sort_desc": "mention_count", "facets": ["kind"]},
    "cities": {"label_column": "name", "sort_desc": "mention_count", "facets": ["province", "level"]},
    "regions": {"label_column": "name", "sort_desc": "mention_count", "facets": ["level"]},
    "metrics": {"facets": ["subject_type", "unit", "year"]},
    "mentions": {"facets": ["entity_type"]},
    "errors": {},
}


# Canned queries shown on the database page (Datasette "queries").
QUERIES: dict[str, dict] = {
    "top_entities": {
        "title": "Most mentioned entities",
        "description": "People, firms, organisations, cities and regions by number of mentions (the entities view).",
        "sql": "SELECT entity_type, entity_id, name, mention_count, doc_count FROM entities "
        "ORDER BY mention_count DESC, name LIMIT 200",
    },
    "facts_with_sources": {
        "title": "Numeric facts with their documents",
        "description": "Every metric with its subject, value, unit, year, the text it was read from and the document title.",
        "sql": "SELECT m.subject_type, m.subject_name, m.metric, m.qualifier, m.value, m.unit, m.year, "
        "m.period, m.span_text, d.title AS document FROM metrics m JOIN documents d USING (doc_id) "
        "ORDER BY d.title, m.char_start",
    },
    "mentions_of": {
        "title": "Where is an entity mentioned?",
        "description": "Every mention of the entity with this exact name, with 20 characters of context either side.",
        "sql": "SELECT e.entity_type, e.name, m.text, d.title AS document, m.char_start, "
        "substr(d.text, max(1, m.char_start - 19), m.char_end - m.char_start + 40) AS context "
        "FROM mentions m JOIN entities e ON e.entity_id = m.entity_id "
        "AND (e.entity_type = m.entity_type) JOIN documents d USING (doc_id) "
        "WHERE e.name = :name ORDER BY d.title, m.char_start",
    },
}


def safe_url(value) -> str | None:
    """``value`` when it is an absolute http(s) URL with a host, else None (never a ``javascript:`` link)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if any(ord(ch) < 0x21 or ch in '"<>\\`' for ch in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


PLUGINS_DIR = Path(__file__).resolve().parent / "datasette_plugins"


def database_of(release: Path, out_dir: Path | None = None) -> Path:
    """The SQLite file Datasette serves for a release: its own ``dataset.sqlite``, or (a partitioned
    release, which has none) ``<out>/serve/<version>/dataset.sqlite``, built on demand (``downloads``)."""
    release = Path(release)
    if (release / "dataset.sqlite").exists():
        return release / "dataset.sqlite"
    out_dir = Path(out_dir) if out_dir is not None else release.parent.parent  # <out>/releases/<version>
    return downloads.build_sqlite(out_dir, release)


def resolve_release(out_dir: Path, version: str | None = None) -> Path:
    """The folder of the requested release, or of ``<out>/latest``."""
    out_dir = Path(out_dir)
    folder = out_dir / "releases" / version if version else out_dir / "latest"
    if not (folder / "datapackage.json").exists():
        raise FileNotFoundError(
            f"no release at {folder}; build one first (make run)"
        )
    return folder.resolve()


def _links(release: Path, package: dict) -> str:
    files = {p.name for p in release.iterdir()}
    rows_of = table_row_counts(package)
    parts_of = {r["name"]: r["path"] for r in package.get("resources", []) if r.get("layout") == "parts"}
    rows = []
    for name, t in schema.TABLES.items():
        count = rows_of.get(name)
        cells = [
            f'<a href="/{DB_NAME}/{name}"><strong>{html.escape(name)}</strong></a>',
            f'<span style="float:right">{count:,}</span>' if isinstance(count, int) else "",
            f"{html.escape(t.title)}: {html.escape(t.description)}",
            " · ".join(
                f'<a href="/{FILES_MOUNT}/{name}.{ext}" download>{label}</a>'
                for ext, label in (("csv", "CSV"), ("parquet", "Parquet"))
                if f"{name}.{ext}" in files
            ) or (f"{len(parts_of[name])} Parquet part(s) in /{FILES_MOUNT}/{html.escape(name)}/" if name in parts_of else ""),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells[:3]) + f'<td style="white-space:nowrap">{cells[3]}</td></tr>')
    return (
        '<table class="release-files"><thead><tr><th>table</th><th>rows</th><th>contents</th>'
        "<th>download</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _documents(n: int) -> str:
    return f"{n:,} raw document" + ("" if n == 1 else "s")


def _examples(release: Path) -> str:
    """Example links built from the data: a full-text search and a 'contains' filter."""
    try:
        con = sqlite3.connect(f"file:{database_of(release)}?mode=ro", uri=True)
        try:
            firm = con.execute(
                "SELECT name FROM firms WHERE length(name) >= 3 ORDER BY mention_count DESC, name LIMIT 1"
            ).fetchone()
            city = con.execute("SELECT name FROM cities ORDER BY mention_count DESC, name LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return ""
    links = []
    if firm:
        links.append(f'<a href="/{DB_NAME}/firms?_search={quote(firm[0])}">search firms for {html.escape(firm[0])}</a>')
        links.append(f'<a href="/{DB_NAME}/metrics?_search={quote(firm[0])}">facts about {html.escape(firm[0])}</a>')
    if city:
        links.append(f'<a href="/{DB_NAME}/mentions?text__contains={quote(city[0])}">mentions containing {html.escape(city[0])}</a>')
        links.append(f'<a href="/{DB_NAME}/mentions_of?name={quote(city[0])}">where {html.escape(city[0])} is mentioned</a>')
    return (" Try: " + " · ".join(links) + ".") if links else ""


# The citable-release files (publish.extras) linked from the home page, when the release has them.
RELEASE_DOCS = (("data-dictionary.html", "Data dictionary"), ("README.md", "About this release (README)"),
                ("CITATION.cff", "How to cite (CITATION.cff)"), ("dataset.duckdb", "dataset.duckdb"))


def _release_docs(release: Path) -> str:
    links = [f'<a href="/{FILES_MOUNT}/{name}">{html.escape(label)}</a>'
             for name, label in RELEASE_DOCS if (release / name).exists()]
    return f"<p>{' · '.join(links)}</p>" if links else ""


def description_html(release: Path, out_dir: Path, package: dict) -> str:
    version = package.get("version", release.name)
    zip_name = f"dataset-{version}.zip"
    whole = (f'<a href="/{FILES_MOUNT}/{zip_name}" download>Download everything ({html.escape(zip_name)})</a> · '
             if (release / zip_name).exists() else
             "Partitioned release: <code>python -m pipeline zip</code> builds the one-file download · ")
    parts = [
        f"<p>{html.escape(package.get('description', ''))}</p>",
        f"<p><strong>Release {html.escape(version)}</strong>, created {html.escape(package.get('created', ''))}. "
        + whole +
        f'<a href="/{FILES_MOUNT}/datapackage.json">datapackage.json</a> · '
        f'<a href="/{FILES_MOUNT}/CHANGES.md">CHANGES.md</a> · '
        f'<a href="/{FILES_MOUNT}/SHA256SUMS">SHA256SUMS</a> · '
        + (f'<a href="/{FILES_MOUNT}/dataset.sqlite" download>dataset.sqlite</a>' if (release / "dataset.sqlite").exists()
         else "") + "</p>",
        _release_docs(release),
        _links(release, package),
        "<p>Full-text search (people, firms, organisations, cities, regions, metric sentences, "
        "document titles) matches any substring, one or two characters included (杭州, 华为). "
        "Every table view exports CSV (UTF-8 with a byte-order mark for Excel, lists joined with |) "
        "and JSON."
        + _examples(release)
        + "</p>",
    ]
    sources = package.get("sources", [])
    if sources:
        items = []
        for s in sources[:50]:
            label = html.escape(s.get("title") or s.get("file") or "")
            url = safe_url(s.get("path"))
            if url:
                label = f'<a href="{html.escape(url)}" rel="noopener noreferrer nofollow">{label}</a>'
            sha = html.escape((s.get("sha256") or "")[:12])
            items.append(f"<li>{label} <code>{html.escape(s.get('file', ''))}</code> sha256 {sha}…</li>")
        more = f"<li>… and {len(sources) - 50} more (see datapackage.json)</li>" if len(sources) > 50 else ""
        parts.append(f"<details><summary>Sources: {_documents(len(sources))}</summary><ul>{''.join(items)}{more}</ul></details>")
    older = [e for e in read_catalog(out_dir) if e["version"] != version]
    if older:
        items = "".join(
            f'<li>{html.escape(e["version"])} ({html.escape(e.get("created") or "")}): '
            f'<a href="/{RELEASES_MOUNT}/{e["version"]}/{e["zip"]}" download>{html.escape(e["zip"])}</a></li>'
            for e in older[:20] if e.get("zip")
        )
        parts.append(f"<details><summary>Earlier releases</summary><ul>{items}</ul></details>")
    return "\n".join(parts)


def datasette_metadata(release: Path, out_dir: Path, follow_latest: bool = True) -> dict:
    """Datasette ``metadata.json`` for a release folder, generated from the schema and datapackage."""
    package = read_datapackage(release) or {}
    license = (package.get("licenses") or [{}])[0]
    tables = {}
    for name, t in schema.TABLES.items():
        meta = {
            "title": t.title,
            "description": t.description,
            "columns": {c.name: c.description for c in t.columns},
            **TABLE_OPTIONS.get(name, {}),
        }
        if (release / "data-dictionary.html").exists():
            meta["about"] = "Data dictionary"
            meta["about_url"] = f"/{FILES_MOUNT}/data-dictionary.html#{name}"
        if t.search_columns:
            meta["fts_table"] = f"{name}_fts"
            meta["fts_pk"] = "rowid"
        tables[name] = meta
    return {
        "plugins": {PLUGIN: {"out_dir": str(Path(out_dir).resolve())} if follow_latest else {}},
        "title": package.get("title", "Dataset"),
        "description_html": description_html(release, Path(out_dir), package),
        "license": license.get("name"),
        "license_url": license.get("path"),
        "source": f"{_documents(len(package.get('sources', [])))} (datapackage.json)",
        "source_url": f"/{FILES_MOUNT}/datapackage.json",
        "databases": {
            DB_NAME: {
                "title": f"{package.get('title', 'Dataset')} {package.get('version', '')}".strip(),
                "description": package.get("description", ""),
                "tables": tables,
                "queries": QUERIES,
            }
        },
    }


def datasette_command(release: Path, out_dir: Path, metadata_path: Path, host: str, port: int,
                      follow_latest: bool = True) -> list[str]:
    files = Path(out_dir).resolve() / "latest" if follow_latest else release  # latest: resolved per request
    return [
        sys.executable, "-m", "datasette", "serve",
        "--immutable", str(database_of(release, out_dir)),
        "--metadata", str(metadata_path),
        "--static", f"{FILES_MOUNT}:{files}",
        "--plugins-dir", str(PLUGINS_DIR),
        "--static", f"{RELEASES_MOUNT}:{(Path(out_dir) / 'releases').resolve()}",
        "--plugins-dir", str(PLUGINS_DIR),  # security headers (Content-Security-Policy) on every page
        "--host", host, "--port", str(port),
        "--setting", "truncate_cells_html", "160",
        "--setting", "default_page_size", "50",
        "--setting", "sql_time_limit_ms", "5000",
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    downloads.add_out_argument(parser)
    parser.add_argument("--port", type=int, default=8001, help="port (default 8001)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback only)")
    parser.add_argument("--release", default=None, help="serve this version instead of latest")


def run(args: argparse.Namespace) -> int:
    try:
        release = resolve_release(args.out, args.release)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    serve_dir = Path(args.out) / ".serve"
    serve_dir.mkdir(parents=True, exist_ok=True)
    metadata_path = serve_dir / "metadata.json"
    metadata_path.write_text(
        json.dumps(datasette_metadata(release, args.out, follow_latest=args.release is None),
                   ensure_ascii=False, indent=2), encoding="utf-8"
    )
    cmd = datasette_command(release, args.out, metadata_path, args.host, args.port,
                            follow_latest=args.release is None)
    print(f"Serving release {release.name} at http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    os.execv(cmd[0], cmd)  # the server takes over this process (same PID)
    return 0  # not reached
