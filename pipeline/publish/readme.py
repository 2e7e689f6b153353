"""The README.md of one release: what is in it, under which licence, how to cite it, how far
to trust each table (with the measured figures) and the caveats.

Generated from ``pipeline.schema`` (tables and columns), the release's facts
(version, date, row counts, files, the text policy and how many texts it
published) and ``data/release/trust.yaml`` (the measured figures, kept with
BENCHMARKS.md). Every table and column of the schema is listed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline import schema
from pipeline.publish import citation, dictionary

README_NAME = "README.md"
TRUST_FILE = Path(__file__).resolve().parent.parent / "data" / "release" / "trust.yaml"

FILE_NOTES = {
    "<table>.parquet": "each table, typed (list columns as lists); every field's description in its metadata",
    "<table>.csv": "each table as CSV, UTF-8 with a byte-order mark; list columns joined with a vertical bar (`\\|`)",
    "dataset.sqlite": "all tables in SQLite: keys, indexes, full-text search (what Datasette serves)",
    "dataset.duckdb": "all tables in DuckDB: keys, column comments",
    "datapackage.json": "Frictionless Data Package: every file with its size, sha256 and schema",
    dictionary.MARKDOWN_NAME: "every table and column, with types and descriptions",
    dictionary.HTML_NAME: "the same as a web page",
    "CHANGES.md": "what changed since the previous release",
    citation.CFF_NAME: "how to cite this release (Citation File Format)",
    citation.ZENODO_NAME: "metadata for depositing the release on Zenodo (DOI)",
    "SHA256SUMS": "checksums of every file (`sha256sum -c SHA256SUMS`)",
    "dataset-<version>.zip": "every file above in one archive",
}

# A partitioned release (publish.parts): the large tables as parts, no database or zip in the folder.
PARTITIONED_NOTES = {
    "<table>/part-<sha256>.parquet": "documents, metrics, mentions, relations: folders of Parquet parts (rows "
    "sorted by doc_id; read a folder with `pandas.read_parquet` or `pyarrow.dataset`); no CSV",
    "<table>.parquet": "the other tables, typed; no CSV in this folder (the zip built on demand has a CSV of every table)",
}
ON_DEMAND = ("dataset.sqlite", "dataset.duckdb", "dataset-<version>.zip", "<table>.parquet", "<table>.csv")

TEXT_POLICIES = {
    "licensed": "the full text of a document is published only where its licence allows redistribution "
    "(see `documents.license`); other documents have a null `text`",
    "all": "the full text of every document is published (the builder chose `PIPELINE_PUBLISH_TEXT=all`: "
    "check the sources' licences before redistributing)",
    "none": "no document's full text is published",
}


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def load_trust(path: Path = TRUST_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def render_readme(*, version: str, created: str, title: str, description: str, license: str,
                  row_counts: dict[str, int], text_policy: str, texts: dict[str, int],
                  cff: dict, previous: str | None = None, partitioned: bool = False) -> str:
    trust = load_trust()
    lines = [f"# {title}: release {version}", "", description, "",
             f"Released {created}" + (f"; previous release {previous}." if previous else " (the first release)."), ""]
    lines += ["## Files", "", "| file | what |", "|---|---|"]
    notes = FILE_NOTES
    if partitioned:
        notes = {**PARTITIONED_NOTES, **{k: v for k, v in FILE_NOTES.items() if k not in ON_DEMAND}}
    lines += [f"| `{name}` | {note} |" for name, note in notes.items()]
    if partitioned:
        lines += ["", "This release is partitioned (it is large): `python -m pipeline zip` builds the one-file "
                  "download and `python -m pipeline serve` the SQLite database, on demand."]
    lines += ["", "## Tables", "", "| table | rows | what |", "|---|---|---|"]
    lines += [f"| `{n}` | {row_counts.get(n, 0)} | {_cell(t.description)} |" for n, t in schema.TABLES.items()]
    lines += ["", f"Every column is described in `{dictionary.MARKDOWN_NAME}`; in brief:", ""]
    for name, t in schema.TABLES.items():
        lines.append(f"- `{name}`: " + ", ".join(f"`{c}`" for c in t.column_names))
    lines += ["", "## Licence and what is published", "",
              f"The tables are published under {license}. The source articles are not ours: their rights "
              f"stay with their publishers. In this release {TEXT_POLICIES.get(text_policy, text_policy)}: "
              f"{texts.get('published', 0)} document text(s) published, {texts.get('withheld', 0)} withheld. "
              "`documents.text_sha256` (SHA-256 of the normalised text) is always published: normalise your own "
              "copy of a source (`pipeline.ingest.normalize_text`) and compare before using the offsets. "
              "The evidence columns (`metrics.span_text`, `metrics.sentence`, `mentions.text`) are short "
              "quotations and are always published.", ""]
    lines += ["## How to cite", "", citation.citation_text(cff), "",
              f"The machine-readable citation is `{citation.CFF_NAME}`.", ""]
    lines += ["## How far to trust each table", "", "| table | trust | measured with |", "|---|---|---|"]
    for name in schema.TABLES:
        entry = (trust.get("tables") or {}).get(name, {})
        command = f"`{entry['command']}`" if entry.get("command") else ""
        lines.append(f"| `{name}` | {_cell(entry.get('trust', 'not measured'))} | {command} |")
    lines += ["", "## Caveats", ""]
    lines += [f"- {c}" for c in trust.get("caveats", [])]
    lines.append("")
    return "\n".join(lines)
