"""Every published table, defined once.

This module is the single source of truth for the dataset's tables: their
columns, types, descriptions, primary keys and foreign keys. Everything else is
derived from it: the Parquet (Arrow) schema, the CSV header, the Frictionless
``datapackage.json`` schema, the Dagster ``dagster/column_schema`` metadata and
the schema checks run before a release is published.

The contract these tables honour is ``DATASET.md`` (shipped as
``docs/DATASET.md``). Columns may be added; the contract's columns are never
renamed or dropped without a new major version of the dataset.

The Dagster column schemas are made from it in ``pipeline.defs.metadata``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# The column types used by the dataset, with their Arrow and Frictionless forms.
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "list": pa.list_(pa.string()),
}
FRICTIONLESS_TYPES: dict[str, str] = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    # list<string> columns are written to CSV joined with "|"; Frictionless
    # describes them as strings (see LIST_SEPARATOR).
    "list": "string",
}
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a key of ARROW_TYPES
    description: str
    nullable: bool = False

    def __post_init__(self) -> None:
        if self.type not in ARROW_TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    ref_column: str
    # Where a column may point to one of several tables (metrics.subject_id),
    # list them all; the check passes when the value is in any of them.
    other_tables: tuple[str, ...] = ()
    # For such a key: the column of the same row naming the entity type (whose table the ID must be in).
    type_column: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    # Columns whose values are names of an entity (never empty or punctuation).
    name_columns: tuple[str, ...] = ()
    # (start, end, text column) triples whose slice of documents.text must equal the text column.
    offset_columns: tuple[tuple[str, str, str], ...] = ()
    # Columns used for full-text search in the SQLite release.
    search_columns: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in self.columns],
            metadata={"description": self.description},
        )

    def frictionless_schema(self) -> dict:
        fields = []
        for c in self.columns:
            f = {"name": c.name, "type": FRICTIONLESS_TYPES[c.type], "description": c.description}
            if c.type == "list":
                f["description"] += f" (list; in CSV joined with '{LIST_SEPARATOR}')"
            # An empty list is an empty CSV cell, so list columns are never "required".
            if not c.nullable and c.type != "list":
                f["constraints"] = {"required": True}
            fields.append(f)
        schema: dict = {"fields": fields, "primaryKey": list(self.primary_key)}
        fks = []
        for fk in self.foreign_keys:
            if fk.other_tables:
                continue  # polymorphic keys cannot be expressed in Frictionless
            fks.append(
                {"fields": fk.column, "reference": {"resource": fk.table, "fields": fk.ref_column}}
            )
        if fks:
            schema["foreignKeys"] = fks
        return schema


def _c(name: str, type_: str, description: str, nullable: bool = False) -> Column:
    return Column(name, type_, description, nullable)


def _entity_counts(kind: str) -> tuple[Column, ...]:
    return (
        _c("aliases", "list", f"Other forms of the {kind}'s name seen in the sources, sorted."),
        _c("mention_count", "integer", "Number of mentions in all documents."),
        _c("doc_count", "integer", "Number of documents that mention it."),
    )


DOCUMENTS = Table(
    name="documents",
    title="Source documents",
    description="One row per source article: its metadata, rights and normalised text. "
    "All offsets in other tables refer to `text` (published only where the licence allows; "
    "`text_sha256` always).",
    columns=(
        _c("doc_id", "string", "Stable ID of the source text, derived from its normalised content."),
        _c("source_path", "string", "Path of the raw file relative to the raw folder, plus `#<record id or line>` for one record of a .jsonl file."),
        _c("title", "string", "Title, or the first heading line."),
        _c("published_at", "date", "Publication date when known.", nullable=True),
        _c("url", "string", "Address of the original article when known.", nullable=True),
        _c("license", "string", "The licence the source states (SPDX identifier when recognised, e.g. CC-BY-4.0), from the record, front matter, page metadata or sources.yaml; null when none is stated.", nullable=True),
        _c("accessed_at", "string", "When the source was fetched (ISO 8601 UTC, e.g. 2026-12-04T15:00:00Z), when known.", nullable=True),
        _c("n_chars", "integer", "Length of the normalised text in characters."),
        _c("sha256", "string", "SHA-256 of the raw bytes (of the file, or of the .jsonl line)."),
        _c("text_sha256", "string", "SHA-256 of the normalised text (UTF-8), published even when the text is not: normalise your copy of the source and compare before using the offsets."),
        _c("text", "string", "The normalised text (Unicode NFC, half-width ASCII, \\n line endings). Null where the source's licence does not allow republishing it (PIPELINE_PUBLISH_TEXT; see the release README).", nullable=True),
    ),
    primary_key=("doc_id",),
    search_columns=("title",),
)

PEOPLE = Table(
    name="people",
    title="People",
    description="People named in the sources, resolved across documents.",
    columns=(
        _c("person_id", "string", "Stable ID derived from the canonical name."),
        _c("name", "string", "Canonical name: the fullest form seen (埃隆·马斯克)."),
        *_entity_counts("person"),
        _c("firm_id", "string", "The firm the text says the person founded, chairs or runs, when stated.", nullable=True),
        _c("role", "string", "The stated role at that firm (创始人, 董事长, CEO ...).", nullable=True),
    ),
    primary_key=("person_id",),
    foreign_keys=(ForeignKey("firm_id", "firms", "firm_id"),),
    name_columns=("name",),
    search_columns=("name", "aliases"),
)

FIRMS = Table(
    name="firms",
    title="Firms",
    description="Companies, funds, and labs run as businesses, resolved across documents.",
    columns=(
        _c("firm_id", "string", "Stable ID derived from the canonical name."),
        _c("name", "string", "Canonical name: the fullest form seen (阿里巴巴)."),
        *_entity_counts("firm"),
        _c("hq_city_id", "string", "City of the headquarters when the text states it.", nullable=True),
        _c("founded_year", "integer", "Year founded when the text states it.", nullable=True),
    ),
    primary_key=("firm_id",),
    foreign_keys=(ForeignKey("hq_city_id", "cities", "city_id"),),
    name_columns=("name",),
    search_columns=("name", "aliases"),
)

ORGANIZATIONS = Table(
    name="organizations",
    title="Other organisations",
    description="Organisations that are not businesses: universities, research institutes, "
    "government bodies, regulators, exchanges, associations.",
    columns=(
        _c("org_id", "string", "Stable ID derived from the canonical name."),
        _c("name", "string", "Canonical name: the fullest form seen (浙江大学)."),
        *_entity_counts("organisation"),
        _c("kind", "string", "university, research, government, regulator, exchange, association or other."),
    ),
    primary_key=("org_id",),
    name_columns=("name",),
    search_columns=("name", "aliases"),
)

CITIES = Table(
    name="cities",
    title="Cities",
    description="Cities (municipalities, prefecture-level and county-level cities) of China. "
    "Districts and zones named in the text count toward their city.",
    columns=(
        _c("city_id", "string", "6-digit administrative division code (GB/T 2260, 2023 statistical codes)."),
        _c("name", "string", "Short name (杭州)."),
        _c("full_name", "string", "Official name (杭州市)."),
        _c("province", "string", "Province-level division (浙江省)."),
        _c("level", "string", "municipality, prefecture or county."),
        _c("aliases", "list", "Districts, zones and other forms seen that count toward this city (余杭, 未来科技城)."),
        _c("mention_count", "integer", "Number of mentions in all documents, districts and zones included."),
        _c("doc_count", "integer", "Number of documents that mention it."),
    ),
    primary_key=("city_id",),
    name_columns=("name",),
    search_columns=("name", "full_name", "aliases"),
)

REGIONS = Table(
    name="regions",
    title="Provinces and countries",
    description="Provinces (province-level divisions of China) and countries named in the sources. "
    "They are not cities, but metrics may have them as subjects.",
    columns=(
        _c("region_id", "string", "6-digit code for a province (330000), ISO 3166-1 alpha-2 for a country (CN)."),
        _c("name", "string", "Short name (浙江, 美国)."),
        _c("full_name", "string", "Official name (浙江省, 美利坚合众国)."),
        _c("level", "string", "province or country."),
        *_entity_counts("region"),
    ),
    primary_key=("region_id",),
    name_columns=("name",),
    search_columns=("name", "full_name", "aliases"),
)

INDICATORS = Table(
    name="indicators",
    title="Indicators",
    description="Canonical measures that metric phrases map to (营业收入, 净利润, GDP, GDP增速 ...), from "
    "pipeline/data/metrics/indicators.csv (users may add rows).",
    columns=(
        _c("indicator_id", "string", "Stable ID from the canonical name (ind_ + first 12 hex of its SHA-1)."),
        _c("name", "string", "Canonical name of what is measured."),
        _c("unit", "string", "The unit its values are stored in."),
        _c("description", "string", "One sentence."),
        _c("aliases", "list", "Metric phrases that map to it."),
    ),
    primary_key=("indicator_id",),
    name_columns=("name",),
    search_columns=("name", "aliases"),
)

METRICS = Table(
    name="metrics",
    title="Numeric facts",
    description="Quantities read from the text, each attached to its subject and year.",
    columns=(
        _c("metric_id", "string", "Stable ID from doc_id and the span's offsets."),
        _c("doc_id", "string", "Document the fact was read from."),
        _c("subject_id", "string", "ID of the entity the value is about (a person, firm, city, region or organisation).", nullable=True),
        _c("subject_type", "string", "person, firm, city, province, country or org.", nullable=True),
        _c("subject_name", "string", "Canonical name of the subject.", nullable=True),
        _c("metric", "string", "What is measured (私募基金规模, 芯片产量, 成立年份 ...)."),
        _c("value", "number", "Value in base units (1.5万亿元 → 1.5e12; 70% → 0.7; 3.2个百分点 → 0.032; 第四 → 4). A loss is a negative profit (净亏损 → 净利润 < 0) and a decline a negative change (同比下降5% → 同比增长 −0.05; 跌幅10% → 涨幅 −0.1); the metric name never carries the direction."),
        _c("unit", "string", "元, 美元, 港元, 欧元, %, 百分点, 倍, rank, year, 年, or the counted object (颗, 辆, 家, 人, 个)."),
        _c("qualifier", "string", "One of =, >, >=, <, <=, ~."),
        _c("year", "integer", "Year the value refers to.", nullable=True),
        _c("period", "string", "Period text within the year (前三季度, 上半年, 十四五) when stated.", nullable=True),
        _c("span_text", "string", "The exact text the value was read from."),
        _c("sentence", "string", "The sentence around it."),
        _c("char_start", "integer", "Offset of span_text in the document text."),
        _c("char_end", "integer", "End offset (exclusive) of span_text in the document text."),
        _c("indicator_id", "string", "The indicator (indicators table) the metric phrase maps to, where one does.", nullable=True),
        _c("subject_method", "string", "How the subject was found: explicit (the grammatical subject of the number's clause), carried (from an "
           "earlier clause or sentence, or named in the clause but governed by a verb or preposition), anaphora (公司, 该公司, 全市 ...), distributed (one of a list sharing the number), "
           "document (the document's main entity) or none."),
    ),
    primary_key=("metric_id",),
    foreign_keys=(
        ForeignKey("doc_id", "documents", "doc_id"),
        ForeignKey(
            "subject_id", "people", "person_id",
            other_tables=("firms.firm_id", "cities.city_id", "regions.region_id", "organizations.org_id"),
        ),
        ForeignKey("indicator_id", "indicators", "indicator_id"),
    ),
    offset_columns=(("char_start", "char_end", "span_text"),),
    search_columns=("metric", "subject_name", "sentence"),
)

MENTIONS = Table(
    name="mentions",
    title="Entity mentions",
    description="Every place in a document where an entity is named.",
    columns=(
        _c("mention_id", "string", "Stable ID from doc_id and offsets."),
        _c("entity_id", "string", "ID of the entity (person_id, firm_id, org_id, city_id or region_id)."),
        _c("entity_type", "string", "person, firm, org, city, province or country."),
        _c("doc_id", "string", "Document of the mention."),
        _c("char_start", "integer", "Offset in the document text."),
        _c("char_end", "integer", "End offset in the document text (exclusive)."),
        _c("text", "string", "The surface form as written."),
    ),
    primary_key=("mention_id",),
    foreign_keys=(
        ForeignKey("doc_id", "documents", "doc_id"),
        ForeignKey(
            "entity_id", "people", "person_id",
            other_tables=("firms.firm_id", "cities.city_id", "regions.region_id", "organizations.org_id"),
        ),
    ),
    offset_columns=(("char_start", "char_end", "text"),),
)

RELATION_KINDS = (
    "founded", "leads", "works_at", "alumnus_of", "invested_in", "subsidiary_of", "headquartered_in", "founded_in",
)
_ENTITY_REFS = ("firms.firm_id", "cities.city_id", "regions.region_id", "organizations.org_id")

RELATIONS = Table(
    name="relations",
    title="Relations",
    description="Relations the text states between two entities (a founder, a chair, an investor, "
    "a parent firm, a headquarters city ...), one row per statement, each with its evidence.",
    columns=(
        _c("relation_id", "string", "Stable ID from doc_id, the evidence span's offsets and the relation."),
        _c("doc_id", "string", "Document the relation was read from."),
        _c("subject_id", "string", "ID of the entity the relation starts from."),
        _c("subject_type", "string", "person, firm, org or city."),
        _c("subject_name", "string", "Canonical name of the subject."),
        _c("relation", "string", "One of " + ", ".join(RELATION_KINDS) + "."),
        _c("object_id", "string", "ID of the entity it points to."),
        _c("object_type", "string", "person, firm, org or city."),
        _c("object_name", "string", "Canonical name of the object."),
        _c("role", "string", "The role as written (创始人, 董事长, CEO, 研究员 ...) for founded / leads / works_at.", nullable=True),
        _c("span_text", "string", "The evidence: the text from the first to the last character of the two names."),
        _c("sentence", "string", "The sentence around it."),
        _c("char_start", "integer", "Offset of span_text in the document text."),
        _c("char_end", "integer", "End offset (exclusive) of span_text in the document text."),
    ),
    primary_key=("relation_id",),
    foreign_keys=(
        ForeignKey("doc_id", "documents", "doc_id"),
        ForeignKey("subject_id", "people", "person_id", other_tables=_ENTITY_REFS, type_column="subject_type"),
        ForeignKey("object_id", "people", "person_id", other_tables=_ENTITY_REFS, type_column="object_type"),
    ),
    name_columns=("subject_name", "object_name"),
    offset_columns=(("char_start", "char_end", "span_text"),),
    search_columns=("subject_name", "object_name", "sentence"),
)

ERRORS = Table(
    name="errors",
    title="Input errors",
    description="Every input that is not a document of the release, and why: raw files or records "
    "that could not be read, duplicates of another input's text, documents over the per-document "
    "budget, and documents quarantined by a row-level check. They are left out; everything else "
    "is still processed and published.",
    columns=(
        _c("source_path", "string", "Path of the raw file (or folder) relative to the raw folder; "
           "for a .jsonl record without a line number, the file plus '#' and the record's id."),
        _c("line", "integer", "Line number in a .jsonl file, when the error is about one line.", nullable=True),
        _c("reason", "string", "What is wrong, in words."),
        _c("sha256", "string", "SHA-256 of the raw bytes of the file.", nullable=True),
        _c("kind", "string", "unreadable (could not be read or decoded), duplicate (same text as "
           "another input), budget (over the per-document size or time budget), extraction (the "
           "analysis failed) or quarantined (its rows failed a row-level check)."),
        _c("check", "string", "For a quarantined document: the table and check its rows failed "
           "(e.g. mentions.offsets).", nullable=True),
        _c("duplicate_of", "string", "For a duplicate: the source path of the document that was kept.",
           nullable=True),
    ),
    primary_key=("source_path", "line"),
)

# Publication order: referenced tables come before the tables that refer to them.
TABLES: dict[str, Table] = {
    t.name: t
    for t in (DOCUMENTS, PEOPLE, FIRMS, ORGANIZATIONS, CITIES, REGIONS, INDICATORS, METRICS, MENTIONS, RELATIONS, ERRORS)
}

# entity_type value -> (table, id column)
ENTITY_TABLES: dict[str, tuple[str, str]] = {
    "person": ("people", "person_id"),
    "firm": ("firms", "firm_id"),
    "org": ("organizations", "org_id"),
    "city": ("cities", "city_id"),
    "province": ("regions", "region_id"),
    "country": ("regions", "region_id"),
}


def empty_frame(table: str):
    """An empty pandas DataFrame with the table's columns and dtypes."""
    return table_from_rows(table, [])


def to_arrow(table: str, frame) -> pa.Table:
    """The table (a DataFrame or an Arrow table) as Arrow, exactly the schema's columns in its order and types.

    An Arrow table that already has exactly the schema's columns and types (list item
    names included: Parquet reads them back as ``element``) is returned as it is;
    another one is cast. Raises ValueError when columns are missing.
    """
    t = TABLES[table]
    target = t.arrow_schema()
    columns = frame.column_names if isinstance(frame, pa.Table) else list(frame.columns)
    missing = [c for c in t.column_names if c not in columns]
    if missing:
        raise ValueError(f"table {table}: missing columns {missing}")
    if isinstance(frame, pa.Table):
        return frame if same_schema(frame.schema, target) else frame.select(target.names).cast(target)
    return pa.Table.from_pandas(frame[t.column_names], schema=target, preserve_index=False)


def same_schema(a: pa.Schema, b: pa.Schema) -> bool:
    """Equal names, types (with list item names) and nullability; metadata ignored."""
    return a.remove_metadata().to_string(show_field_metadata=False) == b.remove_metadata().to_string(
        show_field_metadata=False
    )


def to_pandas(table: pa.Table) -> "pd.DataFrame":  # noqa: F821
    """An Arrow table as a DataFrame with nullable pandas types (Int64, string, boolean)."""
    return table.to_pandas(types_mapper=_pandas_type)


def table_from_rows(table: str, rows: list[dict]) -> "pd.DataFrame":  # noqa: F821
    """Build a typed DataFrame from plain dict rows (missing keys become null)."""
    t = TABLES[table]
    columns = {c.name: [r.get(c.name) for r in rows] for c in t.columns}
    return to_pandas(pa.Table.from_pydict(columns, schema=t.arrow_schema()))


def _pandas_type(arrow_type: pa.DataType):
    import pandas as pd

    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None
