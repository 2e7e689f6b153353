"""Entity typing: model spans + lexicon + gazetteer + rules -> typed ``Mention``s.

``recognize(doc, tokens, ner_spans)`` combines, for one document:

1. dictionary matches, leftmost-longest over the text: the lexicon
   (``nlp.lexicon``: known firms, organisations, people) and the gazetteer
   (``nlp.gazetteer``: divisions, zones, shorthand lists, countries);
2. the model's spans (``PER``/``ORG``/``LOC``), typed: PER -> person after
   name checks; ORG -> firm or org (lexicon kind, else name suffix: 大学 ->
   org, 科技 -> firm, else firm); LOC -> city / province / country through the
   gazetteer, else dropped;
3. rules: ``<name>科技`` / ``<name>量化`` / ``<name>实验室`` ... bounded by
   function words or punctuation (typing_rules.yaml), ``<place>经信`` style
   government bodies, Latin-script names of people (in a list with other
   people, or beside a cue such as 创始人) and firms (DeepSeek母公司);
4. propagation: a name accepted once (梁文锋, 宇树科技 and its stem 宇树,
   余杭 as a district) is a mention wherever else it occurs in the document.

Overlaps are settled longest first, then by source (lexicon > gazetteer >
model > rule). Places: a district, county or county-level city short name (余杭,
义乌) or a prefecture short name that is also a common word (朝阳, 安康) is taken
only when the text confirms it: full name (余杭区), the model tags it LOC, it
follows its city or province (杭州余杭), it was confirmed elsewhere in the
document, or -- for names that are not common words and stand as a word of
their own -- the document also names its city (district, county) or province
(county-level city); a name shared
by several divisions of one level resolves through the document's other
places, else it is dropped. A district or zone mention carries its city's code
in ``Mention.key`` and the city's short name in ``canonical``.

Shorthand lists (北上广深) give one city mention per character, each with the
offsets of the character that stands for the city (北 -> 北京), so every
mention keeps its own span and ID. Text in ``references`` blocks is skipped.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.nlp.gazetteer import Division, load_gazetteer
from pipeline.nlp.lexicon import LexiconEntry, is_latin, load_lexicon
from pipeline.records import Document, Mention, Token

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
RULES_PATH = DATA_DIR / "lexicon" / "typing_rules.yaml"
SURNAMES_PATH = DATA_DIR / "ingest" / "chinese_surnames.txt"

PRIORITY = {"lexicon": 4, "gazetteer": 3, "shorthand": 3, "crf": 2, "rule": 1, "propagation": 0}
# Prefecture-level short names that are also common words: taken only when confirmed.
_NUMERALS = set("0123456789一二三四五六七八九十百千万亿零两几数")
_CJK = re.compile(r"^[\u4e00-\u9fff·]+$")
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[ \-.&'][A-Za-z0-9]+)*")
_PERSONISH = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}$")
_RULE_FIRM_SUFFIXES = ("科技", "量化", "集团", "资本", "控股", "证券", "股份", "创投", "银行", "微电子", "半导体", "公司")
_RULE_ORG_SUFFIXES = {"实验室": "research", "研究院": "research", "研究所": "research", "大学": "university", "学院": "university"}
_LIST_SEPARATORS = set("、,，和与及")


@dataclass
class _Cand:
    start: int
    end: int
    type: str
    key: str | None
    canonical: str | None
    source: str
    org_kind: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start


class _Rules:
    def __init__(self) -> None:
        with open(RULES_PATH, encoding="utf-8") as f:
            d = yaml.safe_load(f)
        self.firm_suffixes = tuple(sorted(d["firm_suffixes"], key=len, reverse=True))
        self.org_suffixes = dict(sorted(d["org_suffixes"].items(), key=lambda kv: -len(kv[0])))
        self.firm_markers = tuple(d["firm_markers"])
        self.stem_delimiters = set(d["stem_delimiters"])
        self.generic = set(d["generic_stem_words"])
        self.not_after_suffix = tuple(d["not_after_suffix"])
        self.person_cues = tuple(d["person_cues"])
        self.latin_firm_cues = tuple(d["latin_firm_cues"])
        self.not_entities = set(d["not_entities"])
        self.nickname = tuple(d["nickname_prefixes"])
        self.translit = set(str(d["transliteration_chars"]).replace(" ", ""))
        self.ambiguous_places = set(d.get("ambiguous_places") or ())
        self.surnames: set[str] = set()
        if SURNAMES_PATH.exists():
            for line in SURNAMES_PATH.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    self.surnames.add(line)

    def org_type(self, name: str) -> tuple[str, str | None] | None:
        """('firm', None) or ('org', kind) from the name's suffix, or None when no suffix decides."""
        if any(m in name for m in self.firm_markers):
            return ("firm", None)
        for suffix, kind in self.org_suffixes.items():
            if name.endswith(suffix) and len(name) > len(suffix):
                return ("org", kind)
        for suffix in self.firm_suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                return ("firm", None)
        return None

    def person_ok(self, name: str) -> bool:
        """Is ``name`` (a model PER span) plausibly a person's name?"""
        if name in self.not_entities or not _CJK.match(name):
            return False
        if "·" in name:
            parts = name.split("·")
            return all(parts) and 3 <= len(name) <= 16
        if not 2 <= len(name) <= 4:
            return False
        if name[-1] in "人们者族籍方军队化里上下中内外时后前":
            return False
        if len(name) == 2 and name.startswith(self.nickname):
            return False
        if name[0] in self.surnames or name[:2] in self.surnames:
            return True
        return len(name) >= 3 and all(c in self.translit for c in name)


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    return _Rules()


class _Matcher:
    """Leftmost-longest dictionary matching of lexicon and gazetteer names (CJK forms)."""

    def __init__(self) -> None:
        gaz = load_gazetteer()
        self.lexicon = load_lexicon()
        self.forms: dict[str, tuple[str, object]] = {}
        for name in gaz.by_name:
            self.forms[name] = ("division", name)
        for name in gaz.zones:
            self.forms[name] = ("zone", name)
        for name in gaz.countries:
            self.forms[name] = ("country", name)
        for name in gaz.shorthands:
            self.forms[name] = ("shorthand", name)
        for form, entry in self.lexicon.forms.items():
            if not is_latin(form):
                self.forms[form] = ("lexicon", entry)  # lexicon wins over a place of the same name (阿里)
        self.latin: dict[str, LexiconEntry] = {f: e for f, e in self.lexicon.forms.items() if is_latin(f)}
        self.lengths: dict[str, tuple[int, ...]] = {}
        by_first: dict[str, set[int]] = {}
        for form in self.forms:
            by_first.setdefault(form[0], set()).add(len(form))
        self.lengths = {c: tuple(sorted(ls, reverse=True)) for c, ls in by_first.items()}

    def scan(self, text: str):
        """Yield (start, end, kind, payload), leftmost-longest, non-overlapping."""
        i, n = 0, len(text)
        lengths, forms = self.lengths, self.forms
        while i < n:
            ls = lengths.get(text[i])
            if ls:
                for L in ls:
                    hit = forms.get(text[i : i + L])
                    if hit is not None:
                        yield i, i + L, hit[0], hit[1]
                        i += L
                        break
                else:
                    i += 1
            else:
                i += 1


@functools.lru_cache(maxsize=4)
def _matcher(lexicon_id: int) -> _Matcher:
    return _Matcher()


def get_matcher() -> _Matcher:
    return _matcher(id(load_lexicon()))


def recognize(doc: Document, tokens: list[Token], ner_spans) -> list[Mention]:
    """Typed, non-overlapping entity mentions of ``doc`` (sorted by offset)."""
    text = doc.text
    if not text:
        return []
    rules, gaz, m = _rules(), load_gazetteer(), get_matcher()
    lex = m.lexicon
    skip = [(b.start, b.end) for b in doc.blocks if b.kind == "references"]

    def skipped(s: int, e: int) -> bool:
        return any(s < be and e > bs for bs, be in skip)

    ner = [(s, e, t) for s, e, t in ner_spans if not skipped(s, e)]
    loc_spans = [(s, e) for s, e, t in ner if t == "LOC"]
    org_spans = [(s, e) for s, e, t in ner if t == "ORG"]
    token_starts = {t.start for t in tokens}
    token_ends = {t.end for t in tokens}
    cands: list[_Cand] = []
    pending_places: list[tuple[int, int, str, bool]] = []  # start, end, name, confirmed
    stops: set[str] = set()
    prev_end, prev_codes = -1, set()

    # 1. dictionary matches
    for s, e, kind, payload in m.scan(text):
        if skipped(s, e):
            continue
        form = text[s:e]
        if kind == "lexicon":
            entry: LexiconEntry = payload
            if entry.type == "stop":
                stops.add(form)
                continue
            if len(form) == 2 and s > 0 and text[s - 1] in _NUMERALS:
                continue  # 一百度
            if len(form) == 2 and s not in token_starts and e not in token_ends:
                continue  # inside another word
            if entry.ambiguous and form == entry.name and not (
                _covered(s, e, org_spans) or text.startswith(rules.latin_firm_cues, e)
            ):
                continue
            cands.append(_lex_cand(s, e, entry))
        elif kind == "country":
            c = gaz.country(payload)
            cands.append(_Cand(s, e, "country", c.code, c.name, "gazetteer"))
        elif kind == "zone":
            zname, city = gaz.zone(payload)
            cands.append(_Cand(s, e, "city", city.code, city.display_name, "gazetteer"))
        elif kind == "shorthand":
            members = gaz.expand_shorthand(payload)
            if len(members) == e - s:
                for k, d in enumerate(members):
                    cands.append(_place_cand(gaz, s + k, s + k + 1, d, "shorthand"))
        else:  # division
            cands_d = gaz.candidates(payload)
            confirmed = (
                payload == cands_d[0].name and payload != cands_d[0].short_name  # full official name
                or _covered(s, e, loc_spans)
                or (prev_end == s and any(d.city_code in prev_codes or d.province_code in prev_codes for d in cands_d))
            )
            pending_places.append((s, e, payload, confirmed))
            prev_codes = {cands_d[0].code, cands_d[0].city_code, cands_d[0].province_code}
            prev_end = e
            continue
        prev_end = -1

    # places: unambiguous high-level names first, they give the context for the rest
    context: set[str] = set()
    resolved: list[tuple[int, int, Division]] = []
    confirmed_names = {name for _s, _e, name, ok in pending_places if ok}
    for s, e, name, ok in pending_places:
        d = gaz.place(name)
        if d is not None and d.level in ("province", "municipality", "prefecture") and name not in rules.ambiguous_places:
            context.update({d.code, d.province_code})
        elif d is not None and ok:
            context.update({d.code, d.city_code, d.province_code} - {""})
    for s, e, name, ok in pending_places:
        d = gaz.place(name, context)
        if d is None:
            continue
        needs_confirmation = d.level not in ("province", "municipality", "prefecture") or name in rules.ambiguous_places
        aligned = s in token_starts and e in token_ends
        if needs_confirmation and not (ok or name in confirmed_names):
            # 义乌 in a text that also names 浙江; 余杭 in a text that names 杭州
            parent = d.province_code if d.level == "county_city" else d.city_code
            if name in rules.ambiguous_places or not aligned or parent not in context:
                continue
        if needs_confirmation and len(name) == 2 and not (s in token_starts or e in token_ends):
            continue
        resolved.append((s, e, d))
    for s, e, d in resolved:
        cand = _place_cand(gaz, s, e, d, "gazetteer")
        if cand is not None:
            cands.append(cand)

    # 2. model spans
    for s, e, t in ner:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        name = text[s:e]
        if not name or name in rules.not_entities or name in stops:
            continue
        if t == "PER":
            if rules.person_ok(name) and gaz.place(name) is None and lex.lookup(name) is None and gaz.country(name) is None:
                cands.append(_Cand(s, e, "person", None, name, "crf"))
        elif t == "ORG":
            c = _org_cand(s, e, name, rules, lex, gaz, "crf")
            if c is not None:
                cands.append(c)
        # LOC spans only confirm gazetteer names (above); unknown places are not kept.

    # 3. rules
    cands.extend(_suffix_rule(text, tokens, rules, gaz, skipped))
    cands.extend(_latin_rule(text, rules, m, skipped, cands))
    cands.extend(_place_org_rule(text, resolved, rules))

    chosen = _select(cands)
    chosen = _propagate(text, chosen, skipped, token_starts, token_ends)
    chosen.sort(key=lambda c: (c.start, c.end, c.type, c.key or ""))
    return [
        Mention(doc.doc_id, c.start, c.end, text[c.start : c.end], c.type, c.key, c.canonical, c.source, c.org_kind)
        for c in chosen
    ]


def _covered(s: int, e: int, spans) -> bool:
    return any(ss <= s and e <= se for ss, se in spans)


def _lex_cand(s: int, e: int, entry: LexiconEntry) -> _Cand:
    return _Cand(s, e, entry.type, entry.name, entry.name, "lexicon", entry.kind if entry.type == "org" else None)


def _place_cand(gaz, s: int, e: int, d: Division, source: str) -> _Cand | None:
    if d.level in ("province",):
        return _Cand(s, e, "province", d.code, d.display_name, source)
    city = gaz.city_of(d)
    if city is None:
        return None
    return _Cand(s, e, "city", city.code, city.display_name, source)


def _org_cand(s: int, e: int, name: str, rules: _Rules, lex, gaz, source: str) -> _Cand | None:
    entry = lex.lookup(name)
    if entry is not None:
        if entry.type == "stop" or entry.type == "person":
            return None
        return _Cand(s, e, entry.type, entry.name, entry.name, "lexicon", entry.kind if entry.type == "org" else None)
    if gaz.place(name) is not None or gaz.country(name) is not None or name in gaz.zones:
        return None
    if len(name) < 2 or (len(name) == 2 and not _CJK.match(name) and not name.isascii()):
        return None
    typed = rules.org_type(name)
    if typed is None:
        return _Cand(s, e, "firm", None, name, source)
    type_, kind = typed
    return _Cand(s, e, type_, None, name, source, kind)


def _suffix_rule(text: str, tokens: list[Token], rules: _Rules, gaz, skipped) -> list[_Cand]:
    """<stem><suffix> names bounded on the left by punctuation or a function word: 宇树科技, 之江实验室."""
    out = []
    for i, tok in enumerate(tokens):
        w = tok.word
        if w in _RULE_FIRM_SUFFIXES:
            type_, kind = "firm", None
        elif w in _RULE_ORG_SUFFIXES:
            type_, kind = "org", _RULE_ORG_SUFFIXES[w]
        else:
            continue
        if text.startswith(rules.not_after_suffix, tok.end):
            continue  # 科技企业, 科技创新: a description
        stem: list[Token] = []
        j = i - 1
        while j >= 0 and len(stem) < 3:
            t = tokens[j]
            if t.end != (stem[0].start if stem else tok.start):
                break  # whitespace gap
            if t.word in rules.stem_delimiters or not (_CJK.match(t.word) or t.word.isalpha()):
                break
            stem.insert(0, t)
            j -= 1
        # 开启群核科技, 根据国金证券: drop leading common words (verbs, prepositions) of two or more characters
        while len(stem) > 1 and len(stem[0].word) >= 2 and _common_word(stem[0].word, 300):
            stem.pop(0)
            j = -2  # the stem was cut on a word boundary: no run-on check
        if not stem:
            continue
        stem_text = "".join(t.word for t in stem)
        if not 2 <= len(stem_text) <= 4 or any(t.word in rules.generic for t in stem):
            continue
        if j >= 0 and j != -2 and tokens[j].end == stem[0].start and tokens[j].word not in rules.stem_delimiters and _CJK.match(tokens[j].word):
            continue  # the stem runs on into more words: a clause, not a name
        if len(stem) == 1 and _common_word(stem_text):
            continue
        if gaz.place(stem_text) is not None or stem_text in rules.not_entities:
            continue
        s, e = stem[0].start, tok.end
        if skipped(s, e):
            continue
        out.append(_Cand(s, e, type_, None, text[s:e], "rule", kind))
    return out


@functools.lru_cache(maxsize=1)
def _jieba_freq() -> dict:
    from pipeline.nlp.segment import get_tokenizer

    return get_tokenizer().FREQ


def _common_word(word: str, threshold: int = 1000) -> bool:
    """A frequent dictionary word (金融, 数字) is a description, not a name."""
    return (_jieba_freq().get(word) or 0) >= threshold


def _latin_rule(text: str, rules: _Rules, m: _Matcher, skipped, cands: list[_Cand]) -> list[_Cand]:
    """Latin-script names: lexicon forms (case-insensitive), people in lists or beside cues, firms before cues."""
    out = []
    persons = [(c.start, c.end) for c in cands if c.type == "person"]
    for mt in _LATIN_RUN.finditer(text):
        s, e = mt.span()
        run = mt.group()
        if skipped(s, e):
            continue
        words = run.split(" ")
        found = False
        for n in range(len(words), 0, -1):  # lexicon, longest word window first
            for k in range(0, len(words) - n + 1):
                form = " ".join(words[k : k + n])
                entry = m.lexicon.lookup(form)
                if entry is not None and entry.type != "stop":
                    ws = s + len(" ".join(words[:k])) + (1 if k else 0)
                    out.append(_lex_cand(ws, ws + len(form), entry))
                    found = True
                    break
            if found:
                break
        if found:
            continue
        after = text[e : e + 6]
        before = text[max(0, s - 6) : s]
        if _PERSONISH.match(run):
            if any(c in before[-1:] + after[:1] for c in _LIST_SEPARATORS) and _near_person(s, e, persons, text):
                out.append(_Cand(s, e, "person", None, run, "rule"))
            elif before.endswith(rules.person_cues) or after.startswith(rules.person_cues):
                out.append(_Cand(s, e, "person", None, run, "rule"))
            continue
        if any(ch.isdigit() for ch in run) or "-" in run or run.islower() or len(run) < 2:
            continue
        if after.startswith(rules.latin_firm_cues) or after.startswith("的创始人"):
            out.append(_Cand(s, e, "firm", None, run, "rule"))
    return out


def _near_person(s: int, e: int, persons, text: str) -> bool:
    """Is the Latin name an item of an enumeration (、 , 和) that also lists a person?"""
    left = max(0, s - 40)
    right = min(len(text), e + 40)
    for ps, pe in persons:
        if left <= ps and pe <= right:
            between = text[min(e, pe) : max(s, ps)]
            if len(between) <= 20 and "。" not in between and "\n" not in between:
                return True
    return False


def _place_org_rule(text: str, resolved, rules: _Rules) -> list[_Cand]:
    """<place><organ>: 浙江经信, 杭州市政府 (government bodies written as place + short organ name)."""
    out = []
    organs = ("经信厅", "经信委", "经信局", "经信", "发改委", "人民政府", "政府", "国资委", "科技厅", "商务厅", "统计局")
    for s, e, d in resolved:
        tail = text[e : e + 5]
        for organ in organs:
            if tail.startswith(organ):
                out.append(_Cand(s, e + len(organ), "org", None, text[s : e + len(organ)], "rule", "government"))
                break
    return out


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Non-overlapping candidates: longest first, then by source priority, then leftmost."""
    order = sorted(cands, key=lambda c: (-c.length, -PRIORITY.get(c.source, 0), c.start))
    taken: list[tuple[int, int]] = []
    out = []
    for c in order:
        if any(c.start < te and c.end > ts for ts, te in taken):
            continue
        taken.append((c.start, c.end))
        out.append(c)
    return out


def _propagate(text: str, chosen: list[_Cand], skipped, token_starts, token_ends) -> list[_Cand]:
    """Every other occurrence of an accepted person/firm/org name (and a firm's stem) is a mention too."""
    taken = sorted((c.start, c.end) for c in chosen)
    forms: dict[str, _Cand] = {}
    rules = _rules()
    for c in chosen:
        if c.type not in ("person", "firm", "org") or c.source in ("shorthand", "lexicon"):
            continue
        form = text[c.start : c.end]
        if len(form) < 2:
            continue
        forms.setdefault(form, c)
        if c.type == "firm" and c.key is None:
            for suffix in ("科技", "量化", "集团", "控股", "股份", "资本", "公司"):
                stem = form[: -len(suffix)]
                if form.endswith(suffix) and len(stem) >= 2 and stem not in rules.generic:
                    forms.setdefault(stem, c)
                    break
    out = list(chosen)
    for form, c in sorted(forms.items(), key=lambda kv: -len(kv[0])):
        start = 0
        while True:
            i = text.find(form, start)
            if i < 0:
                break
            j = i + len(form)
            start = i + 1
            if skipped(i, j) or any(i < te and j > ts for ts, te in taken):
                continue
            if form.isascii() and ((i > 0 and text[i - 1].isalnum() and text[i - 1].isascii()) or (j < len(text) and text[j].isalnum() and text[j].isascii())):
                continue
            if c.type != "city" and len(form) == 2 and i not in token_starts and j not in token_ends:
                continue
            out.append(_Cand(i, j, c.type, c.key, c.canonical if c.type == "city" else form, "propagation", c.org_kind))
            taken.append((i, j))
    return out
