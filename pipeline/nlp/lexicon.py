"""Known firms, organisations and people, with their aliases: a user-extendable lexicon.

The lexicon is plain CSV (``docs/lexicon.md`` explains how to add entries):

    name,type,aliases,kind,hq_city,ambiguous,note
    阿里巴巴,firm,阿里|阿里巴巴集团|Alibaba,company,杭州,,e-commerce and cloud group

- ``type``: ``firm``, ``org``, ``person``, ``product`` (a product, platform or
  model -- 淘宝, 微信, ChatGPT -- named like a firm but not one: never an entity),
  or ``stop`` (a name that must never be taken as an entity, e.g. to silence a
  recurring false positive);
- ``aliases``: other forms, ``|``-separated; ``name`` is the canonical form;
- ``kind``: for firms company / fund / lab / media, for organisations
  university / research / government / regulator / exchange / association / other;
- ``source``: optional; where a generated list comes from (``firms_known.csv``:
  the A-share listed companies, built by ``tooling/gazetteer/build_firms.py``).
  Hand-made entries leave it empty. A generated entry is matched only where it
  cuts no dictionary word (``entities._lexicon_cands``) and gives no short form;
- ``hq_city``: informational (the ``firms.hq_city_id`` column is filled only from
  what a text states);
- ``ambiguous``: ``yes`` when the bare ``name`` is also a common word (苹果):
  it is then taken only where the model or the context marks it as an
  organisation; its aliases (苹果公司) are always taken.

Files are read in this order, later rows overriding earlier rows with the same
name: every ``*.csv`` in ``pipeline/data/lexicon/`` (sorted by file name, so a
user can drop ``my_firms.csv`` next to the shipped ``entities.csv``), then the
files listed in the environment variable ``PIPELINE_LEXICON`` (paths separated
by ``os.pathsep``). Latin-script forms match case-insensitively (DeepSeek =
Deepseek) when longer than three letters, as whole words.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicon"
ENV_VAR = "PIPELINE_LEXICON"
TYPES = ("firm", "org", "person", "product", "stop")
FIRM_KINDS = ("company", "fund", "lab", "media")
ORG_KINDS = ("university", "research", "government", "regulator", "exchange", "association", "other")

_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class LexiconEntry:
    name: str
    type: str  # firm, org, person or stop
    aliases: tuple[str, ...] = ()
    kind: str = ""
    hq_city: str = ""
    ambiguous: bool = False
    note: str = ""
    source: str = ""  # a generated list's source; empty for hand-made entries

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def is_latin(form: str) -> bool:
    return bool(_LATIN.match(form))


def fold(form: str) -> str:
    """Matching key of a form: Latin forms longer than 3 letters are case-folded."""
    return form.casefold() if is_latin(form) and len(form) > 3 else form


class Lexicon:
    """Entries indexed by every form (name and aliases)."""

    def __init__(self, entries: list[LexiconEntry]) -> None:
        self.entries: dict[str, LexiconEntry] = {}
        for e in entries:
            self.entries[e.name] = e  # later files override earlier ones
        self.forms: dict[str, LexiconEntry] = {}
        for e in self.entries.values():
            for form in e.forms:
                self.forms.setdefault(fold(form), e)
        for e in self.entries.values():  # an entry's own name beats another entry's alias
            self.forms[fold(e.name)] = e

    def lookup(self, form: str) -> LexiconEntry | None:
        """The entry one of whose forms is ``form`` (case-insensitive for Latin forms); not an ambiguous
        entry of a generated list (a listed 机器人 or 绿色动力 is no evidence of a name by itself)."""
        e = self.forms.get(fold(form))
        return None if e is not None and e.source and e.ambiguous else e

    def __len__(self) -> int:
        return len(self.entries)


class LexiconError(ValueError):
    pass


def read_entries(path: Path) -> list[LexiconEntry]:
    """Read one lexicon CSV; raises ``LexiconError`` naming the file and line on bad rows."""
    out: list[LexiconEntry] = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"name", "type"} - set(reader.fieldnames or [])
        if missing:
            raise LexiconError(f"{path}: missing column(s) {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            name = (row.get("name") or "").strip()
            type_ = (row.get("type") or "").strip().lower()
            if not name:
                continue
            if type_ not in TYPES:
                raise LexiconError(f"{path}:{line}: type {type_!r} is not one of {', '.join(TYPES)}")
            kind = (row.get("kind") or "").strip().lower()
            if type_ == "org" and kind and kind not in ORG_KINDS:
                raise LexiconError(f"{path}:{line}: org kind {kind!r} is not one of {', '.join(ORG_KINDS)}")
            if type_ == "firm" and kind and kind not in FIRM_KINDS:
                raise LexiconError(f"{path}:{line}: firm kind {kind!r} is not one of {', '.join(FIRM_KINDS)}")
            aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip() and a.strip() != name)
            out.append(
                LexiconEntry(
                    name=name,
                    type=type_,
                    aliases=aliases,
                    kind=kind or ("company" if type_ == "firm" else "other" if type_ == "org" else ""),
                    hq_city=(row.get("hq_city") or "").strip(),
                    ambiguous=(row.get("ambiguous") or "").strip().lower() in ("yes", "true", "1", "y"),
                    note=(row.get("note") or "").strip(),
                    source=(row.get("source") or "").strip(),
                )
            )
    return out


def lexicon_files(data_dir: Path = DATA_DIR, env: str | None = None) -> list[Path]:
    """The lexicon files in load order (shipped and user files in ``data_dir``, then ``PIPELINE_LEXICON``)."""
    files = sorted(data_dir.glob("*.csv"))
    env = os.environ.get(ENV_VAR, "") if env is None else env
    files += [Path(p) for p in env.split(os.pathsep) if p.strip()]
    return files


def build_lexicon(files: list[Path]) -> Lexicon:
    entries: list[LexiconEntry] = []
    for path in files:
        entries.extend(read_entries(path))
    return Lexicon(entries)


def load_lexicon() -> Lexicon:
    """The process-wide lexicon (re-read only when the file list or ``PIPELINE_LEXICON`` changes)."""
    files = lexicon_files()
    stamp = tuple((str(p), p.stat().st_mtime_ns if p.exists() else 0) for p in files)
    return _cached(stamp)


@functools.lru_cache(maxsize=4)
def _cached(stamp: tuple) -> Lexicon:
    return build_lexicon([Path(p) for p, _ in stamp])
