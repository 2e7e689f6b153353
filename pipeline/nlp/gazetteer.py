"""Place names: China's administrative divisions, zones, shorthand lists, countries.

The data files live in ``pipeline/data/gazetteer/`` (sources in
``pipeline/data/SOURCES.md``):

- ``divisions.csv``: every province, prefecture, county-level division and
  coded development zone with its 6-digit code, full and short name, level and
  the city it counts toward (``city_code``);
- ``zones.csv``: well-known parks and new areas without a code of their own
  (未来科技城, 张江, 中关村) and the city they belong to;
- ``shorthands.csv``: lists written as one word (北上广深 -> 北京, 上海, 广州, 深圳);
- ``countries.csv``: countries with their ISO 3166-1 alpha-2 code and aliases.

``load_gazetteer()`` reads them once per process. ``Gazetteer.place(name,
context)`` turns a name into a ``Division`` with care for ambiguity: a name
shared by divisions of different levels goes to the highest level (河北 is the
province, not Tianjin's 河北区); a name shared by divisions of the same level
(鼓楼区: Nanjing, Fuzhou, Xuzhou, Kaifeng) resolves only when the document's
other places (``context``: codes of cities and provinces already named) pick
one, else it is left unresolved.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "gazetteer"

# How specific a level is: lower wins when one name has several levels.
LEVEL_RANK = {
    "province": 0,
    "municipality": 0,
    "prefecture": 1,
    "county_city": 2,
    "district": 3,
    "county": 3,
    "zone": 4,
}
# Division level -> cities.level for divisions that are cities themselves.
CITY_LEVELS = {"municipality": "municipality", "prefecture": "prefecture", "county_city": "county"}


@dataclass(frozen=True)
class Division:
    code: str
    name: str  # official name: 杭州市
    short_name: str  # 杭州 ("" when the official name is the only form)
    level: str  # a key of LEVEL_RANK
    parent_code: str
    city_code: str  # the city it counts toward ("" when none)
    province_code: str

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_city(self) -> bool:
        return self.level in CITY_LEVELS


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str  # 美国
    full_name: str  # 美利坚合众国
    aliases: tuple[str, ...]


class Gazetteer:
    """All place data, indexed by name (full names, short names, aliases)."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.divisions: dict[str, Division] = {}
        self.by_name: dict[str, list[Division]] = {}
        with open(data_dir / "divisions.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                d = Division(**row)
                self.divisions[d.code] = d
                for n in {d.name, d.short_name} - {""}:
                    self.by_name.setdefault(n, []).append(d)
        for ds in self.by_name.values():
            ds.sort(key=lambda d: (LEVEL_RANK[d.level], d.code))
        # zone name or alias -> (zone name, city code)
        self.zones: dict[str, tuple[str, str]] = {}
        with open(data_dir / "zones.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                for n in [row["name"], *filter(None, row["aliases"].split("|"))]:
                    self.zones[n] = (row["name"], row["city_code"])
        self.shorthands: dict[str, tuple[str, ...]] = {}
        with open(data_dir / "shorthands.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                self.shorthands[row["shorthand"]] = tuple(row["members"].split("|"))
        self.countries: dict[str, Country] = {}
        self.country_by_code: dict[str, Country] = {}
        with open(data_dir / "countries.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                aliases = tuple(a for a in row["aliases"].split("|") if a)
                c = Country(row["code"], row["name"], row["full_name"], aliases)
                self.country_by_code[c.code] = c
                for n in {c.name, c.full_name, *aliases}:
                    self.countries.setdefault(n, c)

    # -- divisions ---------------------------------------------------------
    def candidates(self, name: str) -> list[Division]:
        """Every division named ``name`` (full or short name), most general level first."""
        return self.by_name.get(name, [])

    def place(self, name: str, context: frozenset[str] | set[str] = frozenset()) -> Division | None:
        """The division ``name`` most likely means, or None when it is ambiguous.

        ``context`` holds codes of places the document already names (cities
        and provinces); it picks among divisions of the same level.
        """
        cands = self.by_name.get(name)
        if not cands:
            return None
        best = LEVEL_RANK[cands[0].level]
        top = [d for d in cands if LEVEL_RANK[d.level] == best]
        if best == 0 and len(top) == 1:
            return top[0]  # a province or municipality name always means it
        if context and len(cands) > 1:
            # 朝阳 in a text about Beijing is Beijing's 朝阳区, not Liaoning's 朝阳市.
            picked = [d for d in cands if _in_context(d, context)]
            if len(picked) == 1:
                return picked[0]
        return top[0] if len(top) == 1 else None

    def city_of(self, division: Division) -> Division | None:
        """The city (municipality, prefecture or county-level city) a division counts toward."""
        if division.is_city:
            return division
        return self.divisions.get(division.city_code) if division.city_code else None

    def province_name(self, division: Division) -> str:
        """Official name of the province-level division (浙江省; 北京市 for Beijing)."""
        return self.divisions[division.province_code].name

    # -- zones, shorthands, countries ------------------------------------
    def zone(self, name: str) -> tuple[str, Division] | None:
        """(zone name, city) for a well-known zone or park name or alias."""
        hit = self.zones.get(name)
        if hit is None:
            return None
        city = self.divisions.get(hit[1])
        return (hit[0], city) if city is not None else None

    def expand_shorthand(self, name: str) -> list[Division]:
        """北上广深 -> the divisions of 北京, 上海, 广州, 深圳 ([] when not a shorthand)."""
        out = []
        for member in self.shorthands.get(name, ()):
            d = self.place(member)
            if d is not None:
                out.append(d)
        return out

    def country(self, name: str) -> Country | None:
        return self.countries.get(name)


def _in_context(d: Division, context) -> bool:
    return (d.code in context or d.city_code in context or d.parent_code in context
            or d.province_code in context)


@functools.lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (read once)."""
    return Gazetteer()
