"""The indicator vocabulary: canonical measures that metric phrases map to.

``load_indicators()`` reads ``pipeline/data/metrics/indicators.csv`` and any
extra CSV files (same columns) named in the environment variable
``PIPELINE_INDICATORS`` (separated by ``os.pathsep``), so users extend the
vocabulary without editing the shipped file; a later row with the same name
adds its aliases to the earlier one. ``indicator_for(metric, unit)`` maps a
metric phrase (as ``facts`` names it) to an indicator ID, or None:

1. the phrase, or the phrase without a scope prefix (全年, 全球, 全国, 国内,
   中国, 年度), equals an alias of an ``exact`` indicator;
2. else it ends with an ``exact`` alias of three or more characters (the part
   before names the thing measured: 福安第四期项目总投资 -> 投资额, 全国GDP排名 -> GDP排名);
3. else it ends with an alias of a ``suffix`` indicator (the generic measures:
   中国资本城市排名 -> 排名, 第二产业占比 -> 占比);
4. else it ends with an alias of a ``named`` indicator after the name of what
   is measured: two or more characters that do not end in a function word
   (示范引领典型案例数量 -> 计数, but not 数量 alone, 城市中数量 or 公司中有数量);

and in both cases the unit fits (元 takes any currency; a counted unit takes
any counted unit; ``a|b`` lists the units taken). ``indicator_rows()`` gives
the rows of the published ``indicators`` table.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "metrics" / "indicators.csv"
ENV = "PIPELINE_INDICATORS"
_SCOPE = re.compile(r"^(?:全年|年度|全球|全国|国内|中国|当年|单季度?|季度)")
_CURRENCIES = {"元", "美元", "港元", "欧元", "日元", "英镑", "韩元", "新台币", "卢布"}
_NOT_COUNTED = _CURRENCIES | {"%", "百分点", "倍", "rank", "year", "年", "月", "周", "天", "岁", "小时", "分钟",
                              "平方公里", "平方米", "亩", "公顷", "吨", "千克", "克", "公里", "米", "千瓦时", "立方米", "升"}


@dataclass
class Indicator:
    name: str
    unit: str
    match: str  # exact or suffix
    description: str
    aliases: list[str] = field(default_factory=list)

    @property
    def indicator_id(self) -> str:
        return indicator_id(self.name)


def indicator_id(name: str) -> str:
    """Stable ID of an indicator: ``ind_`` + first 12 hex of the SHA-1 of its canonical name."""
    return "ind_" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(ln for ln in f if ln.strip() and not ln.startswith("#")))
    for i, r in enumerate(rows):
        if not (r.get("name") or "").strip() or not (r.get("unit") or "").strip():
            raise ValueError(f"{path}: row {i + 1} needs a name and a unit")
        if (r.get("match") or "exact").strip() not in ("exact", "suffix", "named"):
            raise ValueError(f"{path}: row {i + 1}: match must be exact, suffix or named")
    return rows


def _paths() -> tuple[Path, ...]:
    extra = [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p.strip()]
    return (DATA, *extra)


def load_indicators(paths: tuple[Path, ...] | None = None) -> dict[str, Indicator]:
    """Name -> Indicator, from the shipped file and the user's extra files."""
    return dict(_load(paths or _paths()))


@lru_cache(maxsize=4)
def _load(paths: tuple[Path, ...]) -> tuple[tuple[str, Indicator], ...]:
    out: dict[str, Indicator] = {}
    for path in paths:
        for r in _read(path):
            name = r["name"].strip()
            aliases = [a.strip() for a in (r.get("aliases") or "").split("|") if a.strip()]
            ind = out.get(name)
            if ind is None:
                ind = out[name] = Indicator(name, r["unit"].strip(), (r.get("match") or "exact").strip(),
                                            (r.get("description") or "").strip(), [])
            for a in [name, *aliases]:
                if a not in ind.aliases:
                    ind.aliases.append(a)
    return tuple(out.items())


@lru_cache(maxsize=4)
def _index(paths: tuple[Path, ...]):
    exact: dict[str, list[Indicator]] = {}
    suffix: list[tuple[str, Indicator]] = []
    named: list[tuple[str, Indicator]] = []
    for _, ind in _load(paths):
        for a in ind.aliases:
            if ind.match == "exact":
                exact.setdefault(a, []).append(ind)
            else:
                (suffix if ind.match == "suffix" else named).append((a, ind))
    suffix.sort(key=lambda x: len(x[0]), reverse=True)
    named.sort(key=lambda x: len(x[0]), reverse=True)
    return exact, suffix, named


# what may not end the name of the thing measured (城市中数量, 公司中有数量, 车型来说数量: not a name)
_NOT_A_NAME_END = set("中有的了说属过在是和与及其内里间上下后前来之等")


def _names_a_thing(prefix: str) -> bool:
    return len(prefix) >= 2 and prefix[-1] not in _NOT_A_NAME_END and not prefix.isdigit()


def unit_fits(indicator_unit: str, unit: str | None) -> bool:
    """Whether a metric in ``unit`` can be a value of an indicator stored in ``indicator_unit``."""
    if not unit:
        return False
    for u in indicator_unit.split("|"):
        if u == unit or (u in _CURRENCIES and unit in _CURRENCIES):
            return True
        if u not in _NOT_COUNTED and unit not in _NOT_COUNTED:
            return True  # counted objects: 辆, 台, 个, 家 ...
    return False


def indicator_for(metric: str | None, unit: str | None, paths: tuple[Path, ...] | None = None) -> str | None:
    """The ID of the indicator the metric phrase maps to (see the module docstring), or None."""
    if not metric:
        return None
    exact, suffix, named = _index(paths or _paths())
    for phrase in (metric, _SCOPE.sub("", metric)):
        for ind in exact.get(phrase, ()):
            if unit_fits(ind.unit, unit):
                return ind.indicator_id
    for n in range(min(len(metric) - 1, 8), 2, -1):  # 福安第四期项目总投资 -> 投资额 (总投资)
        for ind in exact.get(metric[-n:], ()):
            if unit_fits(ind.unit, unit):
                return ind.indicator_id
    for alias, ind in suffix:
        if metric.endswith(alias) and unit_fits(ind.unit, unit):
            return ind.indicator_id
    for alias, ind in named:
        if metric.endswith(alias) and _names_a_thing(metric[: -len(alias)]) and unit_fits(ind.unit, unit):
            return ind.indicator_id
    return None


def indicator_rows(paths: tuple[Path, ...] | None = None) -> list[dict]:
    """The rows of the ``indicators`` table."""
    return [
        {"indicator_id": ind.indicator_id, "name": ind.name, "unit": ind.unit, "description": ind.description,
         "aliases": [a for a in ind.aliases if a != ind.name]}
        for ind in load_indicators(paths).values()
    ]
