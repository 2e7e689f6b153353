"""The data dictionary of a release, generated from ``pipeline.schema`` (never written by hand).

``render_markdown()`` gives ``DATA_DICTIONARY.md`` (one section per table:
its description, primary and foreign keys, and a row per column with its
type, whether it may be null and its description); ``render_html()`` the
same as a standalone page (``data-dictionary.html``) that Datasette links to.
``field_metadata(table)`` is what each Parquet field carries (``description``,
``type``, ``nullable``), so a Parquet file describes itself.
"""

from __future__ import annotations

import html

from pipeline import schema

MARKDOWN_NAME = "DATA_DICTIONARY.md"
HTML_NAME = "data-dictionary.html"

_TYPE_NAMES = {"list": "list<string>"}


def type_name(column: schema.Column) -> str:
    return _TYPE_NAMES.get(column.type, column.type)


def _keys(t: schema.Table) -> list[str]:
    out = [f"Primary key: {', '.join(t.primary_key)}."]
    for fk in t.foreign_keys:
        targets = [f"{fk.table}.{fk.ref_column}", *fk.other_tables]
        out.append(f"`{fk.column}` refers to {' or '.join(targets)}.")
    return out


def render_markdown(version: str | None = None) -> str:
    lines = [f"# Data dictionary{f' (release {version})' if version else ''}", ""]
    lines += [
        "Every table and column of the release, generated from `pipeline/schema.py`. "
        f"CSV files join list columns with `{schema.LIST_SEPARATOR}`; Parquet files keep them as lists "
        "and carry each column's description in their field metadata.",
        "",
        "Tables: " + ", ".join(f"[`{n}`](#{n})" for n in schema.TABLES) + ".",
        "",
    ]
    for name, t in schema.TABLES.items():
        lines += [f"## {name}", "", f"**{t.title}.** {t.description}", "", *_keys(t), ""]
        lines += ["| column | type | null | description |", "|---|---|---|---|"]
        for c in t.columns:
            desc = c.description.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{c.name}` | {type_name(c)} | {'yes' if c.nullable else 'no'} | {desc} |")
        lines.append("")
    return "\n".join(lines)


def render_html(version: str | None = None) -> str:
    title = f"Data dictionary{f' (release {version})' if version else ''}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;"
        "vertical-align:top;text-align:left}code{font-size:95%}</style>",
        f"</head><body><h1>{html.escape(title)}</h1>",
        "<p>Every table and column of the release, generated from <code>pipeline/schema.py</code>.</p>",
        "<ul>" + "".join(f'<li><a href="#{n}">{n}</a>: {html.escape(t.title)}</li>' for n, t in schema.TABLES.items()) + "</ul>",
    ]
    for name, t in schema.TABLES.items():
        parts.append(f'<h2 id="{name}">{name}</h2><p><strong>{html.escape(t.title)}.</strong> {html.escape(t.description)}</p>')
        parts.append("<p>" + " ".join(html.escape(k) for k in _keys(t)) + "</p>")
        parts.append("<table><tr><th>column</th><th>type</th><th>null</th><th>description</th></tr>")
        for c in t.columns:
            parts.append(
                f"<tr><td><code>{c.name}</code></td><td>{html.escape(type_name(c))}</td>"
                f"<td>{'yes' if c.nullable else 'no'}</td><td>{html.escape(c.description)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def field_metadata(table: str) -> dict[str, dict[bytes, bytes]]:
    """Column name -> the Parquet field metadata of that column (description, type, nullable)."""
    return {
        c.name: {
            b"description": c.description.encode("utf-8"),
            b"type": type_name(c).encode("utf-8"),
            b"nullable": b"true" if c.nullable else b"false",
        }
        for c in schema.TABLES[table].columns
    }


DOCS_COPY = "docs/DATA_DICTIONARY.md"  # the repository's copy, kept equal by tests/test_release_docs.py

if __name__ == "__main__":  # python -m pipeline.publish.dictionary > docs/DATA_DICTIONARY.md
    print(render_markdown(), end="\n")
