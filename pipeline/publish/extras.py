"""The files that make a release citable and portable, beside its tables.

``write_release_extras`` writes into a release folder being built:
``README.md`` (``readme``), ``DATA_DICTIONARY.md`` and ``data-dictionary.html``
(``dictionary``), ``CITATION.cff`` and ``.zenodo.json`` (``citation``) and
``dataset.duckdb`` (``duckdb``), and returns their ``datapackage.json``
resource properties. ``write_latest_json`` writes ``<out>/latest.json``, the
pointer to the newest release that survives copying to object storage or a
web host (which do not keep the ``latest`` symlink).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from pipeline import atomic, rights
from pipeline.publish import citation, dictionary, readme
from pipeline.publish import duckdb as duckdb_file

LATEST_JSON = "latest.json"


def write_release_extras(folder: Path, tables: dict[str, pa.Table], *, version: str, created: str, title: str,
                         description: str, license: str, text_policy: str,
                         previous: str | None = None, previous_dir: Path | None = None,
                         changes: dict | None = None, databases: bool = True) -> dict[str, dict]:
    """Write the extra files into ``folder``; return file name -> datapackage resource properties.

    ``previous_dir`` and ``changes`` (table -> (keys to delete, rows to insert), as for the
    SQLite update) let ``dataset.duckdb`` be the previous release's updated, when small.
    ``databases=False`` (a partitioned release, ``parts``): no ``dataset.duckdb``.
    """
    folder = Path(folder)
    if databases:
        write_duckdb(tables, folder / duckdb_file.DUCKDB_NAME, previous_dir, changes)
    (folder / dictionary.MARKDOWN_NAME).write_text(dictionary.render_markdown(version), encoding="utf-8")
    (folder / dictionary.HTML_NAME).write_text(dictionary.render_html(version), encoding="utf-8")
    cff = citation.write_citation_files(folder, version, created, license, description)
    (folder / readme.README_NAME).write_text(
        readme.render_readme(
            version=version, created=created, title=title, description=description, license=license,
            row_counts={n: t.num_rows for n, t in tables.items()}, text_policy=text_policy,
            texts=rights.text_counts(tables["documents"]), cff=cff, previous=previous, partitioned=not databases,
        ),
        encoding="utf-8",
    )
    described = {
        duckdb_file.DUCKDB_NAME: {"name": "dataset-duckdb", "format": "duckdb", "mediatype": "application/vnd.duckdb",
                                  "title": "All tables in one DuckDB database",
                                  "description": "Primary and foreign keys; tables and columns commented."},
        readme.README_NAME: {"name": "readme", "format": "md", "mediatype": "text/markdown",
                             "title": "About this release: files, licence, citation, trust, caveats"},
        dictionary.MARKDOWN_NAME: {"name": "data-dictionary", "format": "md", "mediatype": "text/markdown",
                                   "title": "Data dictionary: every table and column"},
        dictionary.HTML_NAME: {"name": "data-dictionary-html", "format": "html", "mediatype": "text/html",
                               "title": "Data dictionary (web page)"},
        citation.CFF_NAME: {"name": "citation", "format": "cff", "mediatype": "application/x-yaml",
                            "title": "How to cite this release (Citation File Format)"},
        citation.ZENODO_NAME: {"name": "zenodo-metadata", "format": "json", "mediatype": "application/json",
                               "title": "Zenodo deposit metadata"},
    }
    return {name: props for name, props in described.items() if (folder / name).exists()}


# Above this share of rows to delete or insert (in a database of 10,000 rows or more), the DuckDB
# file is written afresh (as for SQLite).
MAX_DUCKDB_UPDATE_SHARE = 0.25


def write_duckdb(tables: dict[str, pa.Table], path: Path, previous_dir: Path | None, changes: dict | None) -> str:
    """Update the previous release's DuckDB file when possible, else write it; say which."""
    if previous_dir is not None and changes is not None:
        changed = sum(len(k) + len(r) for k, r in changes.values())
        total = sum(t.num_rows for t in tables.values())
        if changed <= MAX_DUCKDB_UPDATE_SHARE * total or total < 10_000:
            if duckdb_file.update_duckdb(Path(previous_dir) / duckdb_file.DUCKDB_NAME, path, tables, changes):
                return "updated"
    duckdb_file.write_duckdb(tables, path)
    return "written"


def write_latest_json(out_dir: Path, version: str) -> Path:
    """``<out>/latest.json``: the newest release's version and relative paths (atomic rename)."""
    out_dir = Path(out_dir)
    release = Path("releases") / version
    created = None
    package = out_dir / release / "datapackage.json"
    if package.exists():
        created = json.loads(package.read_text(encoding="utf-8")).get("created")
    pointer = {
        "version": version,
        "created": created,
        "path": release.as_posix() + "/",
        "datapackage": (release / "datapackage.json").as_posix(),
        "readme": (release / readme.README_NAME).as_posix(),
        # a partitioned release has no zip of its own: `python -m pipeline zip` writes downloads/<zip>
        "zip": (release / f"dataset-{version}.zip").as_posix()
        if (out_dir / release / f"dataset-{version}.zip").exists() else None,
    }
    target = out_dir / LATEST_JSON
    atomic.write_text(target, json.dumps(pointer, indent=2) + "\n")
    return target
