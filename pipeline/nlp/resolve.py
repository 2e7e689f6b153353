"""Entity resolution within and across documents: mentions -> entities with stable IDs.

``resolve(analyses, previous)`` groups the mentions of all documents into
``Entity``s and maps every mention ``(doc_id, start, end, entity_type)`` to an
entity ID.

No rule joins two different lexicon entries (招商银行 and 招商证券 stay apart even
when 招商 is seen). Places need no guessing: recognition already put the administrative code
(cities, provinces) or ISO code (countries) in ``Mention.key``, which is the ID.

People, firms and organisations are grouped by these rules (each a union of
name forms of one entity type):

- lexicon: every form of one lexicon entry is one entity (阿里 = 阿里巴巴,
  浙大 = 浙江大学); its canonical name is the lexicon's name;
- recognition's key: forms recognition tied to one full name (a registered name
  and its abbreviation in brackets, 蔚来控股有限公司（蔚来中国）) are one entity;
- case: Latin-script forms equal up to case are one entity (Deepseek = DeepSeek);
- transliterated names: a form equal to the part after the last '·' of a fuller
  name is that person (马斯克 -> 埃隆·马斯克), when exactly one fuller name fits;
- firm stems: a firm form equal to another firm form minus a generic suffix
  (科技, 集团, 公司, 股份, 控股, 量化, 资本, 有限公司 ...) is that firm (宇树 -> 宇树科技;
  蔚来公司 and 蔚来控股 -> 蔚来 when 蔚来 itself is seen); when the stem is not seen,
  its fuller forms are joined only when they already are one entity;
- prefixes, within one document only: a firm form that starts another firm form
  of the same document (阿里 -> 阿里巴巴), when exactly one fits; a known firm and
  its unit (华为 and 华为云, typing_rules' ``unit_suffixes``) stay two firms;
- near-duplicate person names, within one document only: same surname, same
  length (3), one other character different (梁文峰 beside 梁文锋): the rarer form
  joins the more frequent one (ties are left apart).

Canonical name: the lexicon's name when the entity is in the lexicon, else the
longest form seen (ties: for Latin-script names a form with an inner capital, as
brands write themselves (DeepSeek over Deepseek, DEEPSEEK or deepseek), then the
most frequent, then the first in sort order);
every other form goes to ``aliases``.

IDs (docs/ARCHITECTURE.md): ``per_`` / ``firm_`` / ``org_`` + the first 12 hex of
sha1 of the canonical name, except that an entity keeps the ID it had in the
previous release (``previous``: (entity_type, name or alias) -> ID) when any of its
names matches one there.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.nlp.gazetteer import CITY_LEVELS, load_gazetteer
from pipeline.nlp.entity_rules import rules as typing_rules
from pipeline.nlp.lexicon import is_latin, load_lexicon
from pipeline.records import DocumentAnalysis

ID_PREFIX = {"person": "per_", "firm": "firm_", "org": "org_"}

PreviousIds = dict[tuple[str, str], str]  # (entity_type, name or alias) -> entity ID
MentionKey = tuple[str, int, int, str]  # (doc_id, start, end, entity_type)


@dataclass
class Entity:
    entity_id: str
    entity_type: str  # person, firm, org, city, province, country
    name: str
    aliases: list[str] = field(default_factory=list)
    # city: full_name, province, level; province/country: full_name, level; org: kind
    attrs: dict = field(default_factory=dict)


@dataclass
class Resolution:
    entities: dict[str, Entity]  # by entity_id
    mention_entity: dict[MentionKey, str]  # mention -> entity_id


def stable_id(entity_type: str, name: str) -> str:
    return ID_PREFIX[entity_type] + hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]


class _Union:
    """Union-find over name forms that never joins two different lexicon entries (招商银行, 招商证券)."""

    def __init__(self) -> None:
        self.parent: dict = {}
        self.entry: dict = {}  # root -> lexicon entry name of its group

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def tag(self, x, entry_name: str) -> None:
        self.entry.setdefault(self.find(x), entry_name)

    def union(self, a, b) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ea, eb = self.entry.get(ra), self.entry.get(rb)
        if ea and eb and ea != eb:
            return False
        root, child = min(ra, rb), max(ra, rb)
        self.parent[child] = root
        self.entry.pop(child, None)
        if ea or eb:
            self.entry[root] = ea or eb
        return True


MENTION_COLUMNS = ("doc_id", "start", "end", "text", "entity_type", "key", "canonical", "org_kind")


def mentions_table(analyses: Iterable[DocumentAnalysis]) -> pa.Table:
    """The mentions of ``analyses``, in order, as the table ``resolve_table`` reads."""
    ms = [m for a in analyses for m in a.mentions]
    types = {"start": pa.int64(), "end": pa.int64()}
    return pa.table({
        c: pa.array([getattr(m, c) for m in ms], types.get(c, pa.string())) for c in MENTION_COLUMNS
    })


def resolve(analyses: Iterable[DocumentAnalysis], previous: PreviousIds | None = None) -> Resolution:
    """Group all mentions into entities and give each a stable ID."""
    table = mentions_table(analyses)
    entities, ids = resolve_table(table, previous)
    mention_entity: dict[MentionKey, str] = {}
    columns = [table.column(c).to_pylist() for c in ("doc_id", "start", "end", "entity_type")]
    for doc, start, end, etype, eid in zip(*columns, ids.to_pylist()):
        if eid is not None:
            mention_entity[(doc, start, end, etype)] = eid
    return Resolution(entities, mention_entity)


def resolve_table(mentions: pa.Table, previous: PreviousIds | None = None) -> tuple[dict[str, Entity], pa.ChunkedArray]:
    """``resolve`` over a table of mentions (``MENTION_COLUMNS``, in the order of the documents).

    Returns the entities by ID and, per row, the ID of its entity (null for a mention
    that resolves to none: a place without a code, a blank name). The rules see the
    mentions' forms with their counts, per document, in order of first appearance,
    which is all they depend on, so the result equals ``resolve`` on the same mentions.
    """
    previous = previous or {}
    entities: dict[str, Entity] = {}
    n = mentions.num_rows
    table = mentions.append_column("_row", pa.array(np.arange(n, dtype=np.int64)))
    ids = pa.chunked_array([pa.nulls(n, pa.string())])
    ids = _resolve_places_table(table, entities, ids)
    for etype in ("person", "firm", "org"):
        ids = _resolve_named_table(etype, table, previous, entities, ids)
    return entities, ids


def _first_rows(table: pa.Table, keys: list[str], count: bool = False) -> pa.Table:
    """One row per distinct ``keys``: its first row number (``_row``) and row count, in order of first row."""
    aggs = [("_row", "min")] + ([("_row", "count")] if count else [])
    grouped = table.group_by(keys, use_threads=False).aggregate(aggs)
    return grouped.sort_by([("_row_min", "ascending")])


def _fill(ids: pa.ChunkedArray, mask, values) -> pa.ChunkedArray:
    return pc.if_else(mask, values, ids)


# -- places ---------------------------------------------------------------------------
def _resolve_places_table(table: pa.Table, entities: dict, ids):
    gaz = load_gazetteer()
    is_place = pc.and_(
        pc.is_in(table.column("entity_type"), value_set=pa.array(["city", "province", "country"])),
        pc.fill_null(pc.not_equal(table.column("key"), ""), False),
    )
    places = table.filter(is_place)
    if not places.num_rows:
        return ids
    ids = _fill(ids, is_place, table.column("key"))
    firsts = _first_rows(places.select(["key", "_row"]), ["key"])
    first = table.take(firsts.column("_row_min"))
    for key, etype, text, canonical in zip(*(first.column(c).to_pylist() for c in ("key", "entity_type", "text", "canonical"))):
        if etype == "country":
            c = gaz.country_by_code.get(key)
            name, attrs = (c.name, {"full_name": c.full_name, "level": "country"}) if c else (canonical or text, {"full_name": canonical or text, "level": "country"})
        else:
            d = gaz.divisions[key]
            name = d.display_name
            if etype == "city":
                attrs = {"full_name": d.name, "province": gaz.province_name(d), "level": CITY_LEVELS.get(d.level, "prefecture")}
            else:
                attrs = {"full_name": d.name, "level": "province"}
        entities[key] = Entity(key, etype, name, [], attrs)
    long = places.filter(pc.greater_equal(pc.utf8_length(places.column("text")), 2))
    forms: dict[str, set[str]] = defaultdict(set)
    pairs = long.group_by(["key", "text"], use_threads=False).aggregate([])
    for key, text in zip(pairs.column("key").to_pylist(), pairs.column("text").to_pylist()):
        forms[key].add(text)
    for key, texts in forms.items():
        e = entities[key]
        e.aliases = sorted(f for f in texts if f != e.name)
    return ids


# -- people, firms, organisations -----------------------------------------------------
def _resolve_named_table(etype, table: pa.Table, previous, entities, ids):
    lex = load_lexicon()
    is_type = pc.equal(table.column("entity_type"), etype)
    rows = table.filter(is_type)
    if not rows.num_rows:
        return ids
    # the form of a mention is its text stripped; stripped once per distinct text
    encoded = rows.column("text").combine_chunks().dictionary_encode()
    stripped = pa.array([t.strip() for t in encoded.dictionary.to_pylist()], pa.string())
    form = stripped.take(encoded.indices)
    rows = rows.append_column("form", form)
    named = rows.filter(pc.not_equal(rows.column("form"), ""))
    if not named.num_rows:
        return ids

    uf = _Union()
    counts: Counter = Counter()  # form -> mentions
    lex_name: dict[str, str] = {}  # node -> lexicon canonical name
    kinds: dict[str, Counter] = defaultdict(Counter)
    # each distinct (form, key, org_kind), in order of first mention: what the rules below do for
    # a mention depends only on these, and doing it again for a later mention changes nothing
    combos = _first_rows(named.select(["form", "key", "org_kind", "_row"]), ["form", "key", "org_kind"], count=True)
    for form, key, org_kind, k in zip(*(combos.column(c).to_pylist() for c in ("form", "key", "org_kind", "_row_count"))):
        entry = lex.lookup(form)
        node = form
        uf.find(node)
        if entry is not None and entry.type == etype:
            lex_node = "\x00lex:" + entry.name
            uf.tag(lex_node, entry.name)
            uf.union(node, lex_node)
            lex_name[lex_node] = entry.name
            if etype == "org" and entry.kind:
                kinds[lex_node][entry.kind] += k
        if key and (entry is None or entry.type != etype):
            # recognition joined this form to a full name (蔚来中国 -> 蔚来控股有限公司)
            # or to a lexicon entry (XX有限公司（以下简称“深度求索”） -> DeepSeek)
            known = lex.lookup(key)
            if known is not None and known.type == etype and known.name == key:
                uf.tag("\x00lex:" + known.name, known.name)
                uf.union(node, "\x00lex:" + known.name)
                lex_name["\x00lex:" + known.name] = known.name
            else:
                uf.union(node, "\x00key:" + key)
        if etype == "org" and org_kind:
            kinds[node][org_kind] += k
        counts[form] += k
    in_docs = _first_rows(named.select(["doc_id", "form", "_row"]), ["doc_id", "form"], count=True)

    node_id = _cluster(etype, uf, counts, lex_name, kinds, lambda: _per_document(in_docs), lex, previous, entities)
    forms = pc.unique(named.column("form").combine_chunks())
    form_ids = pa.array([node_id[f] for f in forms.to_pylist()], pa.string())
    values = form_ids.take(pc.index_in(rows.column("form"), value_set=forms))  # null for blank forms
    scattered = _scatter(table.num_rows, is_type, values)
    return _fill(ids, pc.is_valid(scattered), scattered)


def _scatter(n: int, mask, values) -> pa.Array:
    """An array of length n holding ``values`` at the rows where ``mask`` is true, null elsewhere."""
    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks()
    positions = pc.indices_nonzero(mask).to_numpy()
    out = np.full(n, -1, dtype=np.int64)
    out[positions] = np.arange(len(positions), dtype=np.int64)
    take = pa.array(out, mask=out < 0)
    return values.take(take)


PER_DOCUMENT_BATCH = 50_000  # (document, form) rows turned into Python values at a time


def _per_document(in_docs: pa.Table) -> Iterator[Counter]:
    """Each document's forms and their mentions (a Counter, forms in order of first mention), one
    document at a time, documents in order of first mention; ``in_docs``: one row per (doc_id, form)
    with its count, in order of first mention.

    A document's mentions are consecutive rows (the mentions are read document by document), so
    its forms are too, and the counters are made one document at a time, never all at once; where
    a document's rows are not consecutive, every counter is made first (the same result)."""
    docs = in_docs.column("doc_id")
    n = len(docs)
    if n > 1:
        runs = 1 + pc.sum(pc.not_equal(docs.slice(1), docs.slice(0, n - 1))).as_py()
        if runs != pc.count_distinct(docs).as_py():
            per_doc: dict[str, Counter] = defaultdict(Counter)
            for doc, form, k in zip(*(in_docs.column(c).to_pylist() for c in ("doc_id", "form", "_row_count"))):
                per_doc[doc][form] += k
            yield from per_doc.values()
            return
    doc, counts = None, None
    for start in range(0, n, PER_DOCUMENT_BATCH):
        part = in_docs.slice(start, PER_DOCUMENT_BATCH)
        for d, form, k in zip(*(part.column(c).to_pylist() for c in ("doc_id", "form", "_row_count"))):
            if counts is None or d != doc:
                if counts is not None:
                    yield counts
                doc, counts = d, Counter()
            counts[form] += k
    if counts is not None:
        yield counts


def _cluster(etype, uf, counts, lex_name, kinds, per_doc, lex, previous, entities) -> dict[str, str]:
    """The alias rules over the forms, then one entity per cluster: node -> entity ID.

    ``per_doc()``: an iterator over the documents' form counters (``_per_document``)."""
    forms = sorted(counts)
    _join_latin_case(forms, uf)
    if etype == "person":
        _join_given_name_tails(forms, uf)
        _join_near_duplicates(per_doc, lex, uf)
    elif etype in ("firm", "org"):
        _join_stems(forms, counts, uf)
        if etype == "firm":
            _join_prefixes(per_doc, lex, uf)
    return _make_entities(etype, uf, counts, lex_name, kinds, previous, entities)


def _join_latin_case(forms: list[str], uf: _Union) -> None:
    """Case variants of Latin names are one entity."""
    by_fold: dict[str, list[str]] = defaultdict(list)
    for f in forms:
        if is_latin(f):
            by_fold[f.casefold()].append(f)
    for group in by_fold.values():
        for f in group[1:]:
            uf.union(group[0], f)


def _join_given_name_tails(forms: list[str], uf: _Union) -> None:
    """马斯克 -> 埃隆·马斯克, when one full name ends so."""
    tails: dict[str, set[str]] = defaultdict(set)
    for f in forms:
        if "·" in f:
            tails[f.rsplit("·", 1)[1]].add(f)
    for f in forms:
        full = tails.get(f)
        if full and len(full) == 1:
            uf.union(f, next(iter(full)))


def _join_near_duplicates(per_doc, lex, uf: _Union) -> None:
    """Three-character names of one document that differ in one character after the surname
    (not both in the lexicon, not equally often): a misspelling of one person."""
    for doc_counts in per_doc():
        names = [f for f in doc_counts if len(f) == 3 and not is_latin(f)]
        for i, x in enumerate(names):
            for y in names[i + 1 :]:
                if x[0] == y[0] and sum(p != q for p, q in zip(x, y)) == 1 and doc_counts[x] != doc_counts[y]:
                    if lex.lookup(x) is None or lex.lookup(y) is None:
                        uf.union(x, y)


def _join_stems(forms: list[str], counts: Counter, uf: _Union) -> None:
    """Stems: 宇树 -> 宇树科技 (dataset-wide: every fuller form when the stem is seen itself,
    else a stem form joins its fuller forms only when they are already one)."""
    stem_suffixes = typing_rules().resolver_stem_suffixes
    stems: dict[str, set[str]] = defaultdict(set)
    for f in forms:
        stem = f
        while True:  # 蔚来控股有限公司 -> 蔚来控股 -> 蔚来
            suffix = next((x for x in stem_suffixes if stem.endswith(x) and len(stem) - len(x) >= 2), None)
            if suffix is None:
                break
            stem = stem[: -len(suffix)]
            stems[stem].add(f)
    for stem, fuller in stems.items():
        if stem in counts:  # 蔚来 seen: 蔚来公司, 蔚来控股 are it
            for x in fuller:
                uf.union(stem, x)
    for f in forms:
        fuller = stems.get(f)
        if fuller and len({uf.find(x) for x in fuller}) == 1:
            uf.union(f, next(iter(fuller)))


def _join_prefixes(per_doc, lex, uf: _Union) -> None:
    """Firm prefixes within one document: 阿里 -> 阿里巴巴, when one longer name starts so."""
    units = set(typing_rules().unit_suffixes)
    for doc_counts in per_doc():
        fs = list(doc_counts)
        for f in fs:
            if len(f) < 2 or is_latin(f):
                continue
            known = lex.lookup(f) is not None  # 华为云, 比亚迪半导体: units of a known firm are firms of their own
            longer = {uf.find(g) for g in fs if g != f and g.startswith(f) and len(g) > len(f)
                      and not (known and g[len(f):] in units)}
            if len(longer) == 1:
                uf.union(f, next(iter(longer)))


def _make_entities(etype, uf: _Union, counts, lex_name, kinds, previous, entities) -> dict[str, str]:
    """One entity per cluster of ``uf`` (added to ``entities``): node -> entity ID."""
    clusters: dict[str, list[str]] = defaultdict(list)
    for node in list(uf.parent):
        clusters[uf.find(node)].append(node)
    used_ids = {e for e in entities}
    node_id: dict[str, str] = {}
    for root in sorted(clusters, key=lambda r: _sort_key(clusters[r])):
        nodes = clusters[root]
        names = [n for n in nodes if not n.startswith("\x00")]
        if not names:
            continue
        lex_names = sorted(lex_name[n] for n in nodes if n in lex_name)
        canonical = lex_names[0] if lex_names else _canonical(names, counts)
        aliases = sorted(set(names) - {canonical})
        eid = _entity_id(etype, canonical, aliases, previous, used_ids)
        used_ids.add(eid)
        attrs = {"kind": _org_kind(nodes, kinds)} if etype == "org" else {}
        entities[eid] = Entity(eid, etype, canonical, aliases, attrs)
        for n in nodes:
            node_id[n] = eid
    return node_id


def _entity_id(etype: str, canonical: str, aliases: list[str], previous, used_ids: set[str]) -> str:
    """The previous release's ID of one of the names when free, else one from the canonical name."""
    for n in [canonical, *aliases]:
        old = previous.get((etype, n))
        if old and old not in used_ids:
            return old
    eid = stable_id(etype, canonical)
    k = 1
    while eid in used_ids:
        k += 1
        eid = stable_id(etype, f"{canonical}#{k}")
    return eid


def _org_kind(nodes: list[str], kinds: dict) -> str:
    """The kind of organisation its forms were seen as most often (``other`` when none)."""
    kc: Counter = Counter()
    for n in nodes:
        kc.update(kinds.get(n, {}))
    return kc.most_common(1)[0][0] if kc else "other"


def _sort_key(nodes: list[str]) -> str:
    return min(nodes)


def _canonical(names: list[str], counts: Counter) -> str:
    def score(n: str):
        mixed = is_latin(n) and not n.islower() and not n.isupper() and any(c.isupper() for c in n[1:])
        return (-len(n), not mixed, -counts[n], n)

    return min(names, key=score)
