"""``datapackage.json``: the release described as a Frictionless Data Package.

Generated from ``pipeline.schema`` (never written by hand): one tabular
resource per table (the CSV file: path, format, encoding, bytes, sha256 hash,
field names, types and descriptions, primary and foreign keys), and a file
resource for each table's Parquet twin and for the SQLite database. Package
properties: name, title, description, version, created, licence, sources (one
per raw document: title, url when known, its path in raw/ and sha256), and two
custom properties: ``fingerprint`` (the content fingerprint that decides
whether a new release is needed) and ``code_version``.

In a partitioned release (``parts``), which has no CSV, each table is one Parquet
tabular resource named after the table; a partitioned table's ``path`` is the
list of its parts (a
Frictionless multipart resource: the parts read one after another are the
table), with ``layout: "parts"``, ``docs_per_part`` and the parts' total
``file_bytes``; each part's sha256 is in ``SHA256SUMS``. ``table_row_counts``
and ``parts_layout`` read these back.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import schema
from pipeline.publish.checksums import sha256_file

PACKAGE_NAME = "cn-tech-city-dataset"

LICENSES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("Creative Commons Zero 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "PDDL-1.0": ("Open Data Commons Public Domain Dedication and License 1.0", "https://opendatacommons.org/licenses/pddl/1-0/"),
}


def license_entry(license: str) -> dict:
    title, path = LICENSES.get(license, (license, None))
    entry = {"name": license, "title": title}
    if path:
        entry["path"] = path
    return entry


def source_entry(source: dict) -> dict:
    """One raw document as a Frictionless source: title, path (its url, when known), file, sha256,
    and its licence and access time when the source states them."""
    entry = {"title": source.get("title") or source.get("path") or "untitled"}
    if source.get("url"):
        entry["path"] = source["url"]
    if source.get("path"):
        entry["file"] = str(source["path"])
    if source.get("sha256"):
        entry["sha256"] = source["sha256"]
    for key in ("license", "accessed_at"):
        if source.get(key):
            entry[key] = source[key]
    return entry


def table_schema(t: schema.Table) -> dict:
    """The table's Frictionless schema, as ``schema.Table.frictionless_schema`` defines it."""
    return t.frictionless_schema()


def parquet_schema(t: schema.Table) -> dict:
    """The Frictionless schema of the table's Parquet twin: as the CSV's, without foreign keys (they
    point to the CSV resources); list columns are ``any`` (Frictionless reads Parquet lists as NumPy
    arrays, which its ``array`` type rejects), described as list<string>."""
    out = t.frictionless_schema()
    out.pop("foreignKeys", None)
    fields = []
    for f, c in zip(out["fields"], t.columns):
        f = dict(f)
        if c.type == "list":
            f["type"] = "any"
            f["description"] = c.description + " (list<string>)"
        fields.append(f)
    out["fields"] = fields
    return out


def _file_facts(folder: Path, name: str) -> dict:
    path = folder / name
    return {"bytes": path.stat().st_size, "hash": f"sha256:{sha256_file(path)}"}


def _parts_resource(folder: Path, t: schema.Table, paths: list[str], every: int, rows: int) -> dict:
    """The tabular resource of a partitioned table: a Parquet multipart resource."""
    return {
        "name": t.name,
        "type": "table",
        "path": list(paths),
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "title": t.title,
        "description": f"{t.description} Partitioned: {len(paths)} Parquet part(s), rows sorted by doc_id, "
        "cut between documents (read the folder with pandas.read_parquet or pyarrow.dataset).",
        "layout": "parts",
        "docs_per_part": every,
        "file_bytes": sum((folder / p).stat().st_size for p in paths),
        "rows": rows,
        "schema": parquet_schema(t),
    }


def _parquet_resource(folder: Path, t: schema.Table, rows: int, *, beside_csv: bool = False) -> dict:
    """The tabular resource of a table's Parquet file: the table itself when it has no CSV
    (a partitioned release), else its typed twin ``<table>-parquet``."""
    return {
        "name": f"{t.name}-parquet" if beside_csv else t.name,
        "type": "table",
        "path": f"{t.name}.parquet",
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "title": f"{t.title} (Parquet)" if beside_csv else t.title,
        "description": (f"The {t.name} table as Parquet, typed (list columns as list<string>)."
                        if beside_csv else t.description),
        # Frictionless counts bytes and hashes only of files it streams (not Parquet):
        # the size and hash are given under their own names (and in SHA256SUMS).
        **{f"file_{k}": v for k, v in _file_facts(folder, f"{t.name}.parquet").items()},
        "rows": rows,
        "schema": parquet_schema(t),
    }


def _csv_resource(folder: Path, t: schema.Table, rows: int) -> dict:
    """The tabular resource of a table's CSV file."""
    return {
        "name": t.name,
        "type": "table",
        "path": f"{t.name}.csv",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",  # with a byte-order mark, which readers skip
        "title": t.title,
        "description": t.description,
        **_file_facts(folder, f"{t.name}.csv"),
        "rows": rows,
        "schema": table_schema(t),
    }


def _table_resources(folder: Path, tables: list[str], row_counts: dict[str, int],
                     parts: dict[str, tuple[list[str], int]]) -> list[dict]:
    """Every table's resource (its parts, its CSV, or its only Parquet file), then the Parquet
    twins of the tables published as CSV."""
    resources, with_csv = [], []
    for name in tables:
        t, rows = schema.TABLES[name], row_counts.get(name, 0)
        if name in parts:
            resources.append(_parts_resource(folder, t, *parts[name], rows))
        elif not (folder / f"{name}.csv").exists():  # a partitioned release: the table is its Parquet file
            resources.append(_parquet_resource(folder, t, rows))
        else:
            resources.append(_csv_resource(folder, t, rows))
            with_csv.append(name)
    for name in with_csv:
        resources.append(_parquet_resource(folder, schema.TABLES[name], row_counts.get(name, 0), beside_csv=True))
    return resources


def table_row_counts(package: dict | None) -> dict[str, int]:
    """table -> rows, from a datapackage of either layout (the CSV resource, or the parts resource)."""
    return {
        r["name"]: int(r["rows"])
        for r in (package or {}).get("resources", [])
        if r.get("type") == "table" and r.get("rows") is not None and r.get("name") in schema.TABLES
    }


def parts_layout(package: dict | None) -> dict[str, int]:
    """table -> documents per part of the partitioned tables of a datapackage (empty: single files)."""
    return {r["name"]: int(r["docs_per_part"]) for r in (package or {}).get("resources", [])
            if r.get("layout") == "parts" and r.get("docs_per_part")}


def build_datapackage(
    folder: Path,
    *,
    tables: list[str],
    version: str,
    created: str,
    title: str,
    description: str,
    license: str,
    sources: list[dict],
    fingerprint: str,
    code_version: str | None,
    row_counts: dict[str, int],
    extra_files: dict[str, dict] | None = None,
    properties: dict | None = None,
    parts: dict[str, tuple[list[str], int]] | None = None,
) -> dict:
    """The Data Package descriptor for the release files already written in ``folder``.

    ``extra_files`` maps a file name to resource properties (name, format,
    mediatype, title, description) for non-tabular files such as the SQLite;
    ``properties`` adds custom package properties (e.g. the text policy).
    ``parts``: table -> (its part files, documents per part) for the partitioned tables.
    """
    folder = Path(folder)
    resources = _table_resources(folder, tables, row_counts, parts or {})
    for file_name, props in (extra_files or {}).items():
        resources.append({"type": "file", "path": file_name, **props, **_file_facts(folder, file_name)})
    package = {
        "name": PACKAGE_NAME,
        "title": title,
        "description": description,
        "version": version,
        "created": created,
        "licenses": [license_entry(license)],
        "sources": [source_entry(s) for s in sources],
        "keywords": ["China", "technology", "economy", "entities", "news", "Chinese NLP"],
        "fingerprint": fingerprint,
        "code_version": code_version,
        "resources": resources,
        **(properties or {}),
    }
    return package


def write_datapackage(folder: Path, package: dict) -> Path:
    path = Path(folder) / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def read_datapackage(folder: Path) -> dict | None:
    path = Path(folder) / "datapackage.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
