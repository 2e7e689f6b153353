"""Entity typing rules and the dictionary matcher used by ``nlp.entities``.

``Rules`` holds the data of ``pipeline/data/vocab/typing_rules.yaml`` (suffix
lists, stem delimiters, generic words, person cues, place names that are
common words ...) and the name checks built on it: ``org_type`` (firm or
organisation from a name's suffix) and ``person_ok`` (is a model PER span a
plausible name). ``Matcher`` finds lexicon and gazetteer names in a text,
leftmost-longest, with the one dictionary matcher (``nlp.dictmatch``) that the
NER features use too. ``common_word`` / ``descriptive`` use jieba's dictionary
frequencies to tell ordinary words (高水平, 耐心) from brand names (宇树, 群核).
Everything is loaded once per process.
"""

from __future__ import annotations

import functools
import re

from pipeline import vocab
from pipeline.nlp.dictmatch import DictMatcher
from pipeline.nlp.gazetteer import load_gazetteer
from pipeline.nlp.lexicon import LexiconEntry, is_latin, load_lexicon
from pipeline.nlp.ner.resources import given_name_codes
from pipeline.nlp.segment import get_tokenizer

CJK_NAME = re.compile(r"^[\u4e00-\u9fff·]+$")


class Rules:
    def __init__(self) -> None:
        d = vocab.yaml_data("typing_rules.yaml")
        self.firm_suffixes = tuple(sorted(d["firm_suffixes"], key=len, reverse=True))
        self.org_suffixes = dict(sorted(d["org_suffixes"].items(), key=lambda kv: -len(kv[0])))
        self.firm_markers = tuple(d["firm_markers"])
        self.suffixes = sorted(
            [(x, "firm", None) for x in self.firm_suffixes] + [(x, "org", k) for x, k in self.org_suffixes.items()],
            key=lambda t: -len(t[0]),
        )
        self.not_org_endings = tuple(d["not_org_endings"])
        self.stem_delimiters = set(d["stem_delimiters"])
        # registered names (...投资有限公司) may contain business words: only function words end them
        self.legal_delimiters = self.stem_delimiters - set(d["business_words"])
        self.generic = set(d["generic_stem_words"])
        self.strong_firm_suffixes = tuple(d["strong_firm_suffixes"])
        self.not_after_suffix = tuple(d["not_after_suffix"])
        self.not_org_suffixes = tuple(d["not_org_suffixes"])
        self.demonstratives = tuple(d["demonstratives"])
        self.not_person_before = tuple(d["not_person_before"])
        self.not_person_after = tuple(d["not_person_after"])
        self.generic_prefixes = tuple(w for w in d["generic_stem_words"] if len(w) >= 2)
        self.firm_after = tuple(d["firm_context_after"])
        self.firm_before = tuple(d["firm_context_before"])
        self.event_ordinal = re.compile(rf"^第[0-9一二三四五六七八九十百千两]+[{re.escape(str(d['event_ordinal_units']))}]")
        self.object_cues_founding = frozenset(d["object_cues_founding"])
        self.object_cues = tuple(sorted({*d["object_cues_founding"], *d["object_cues_other"]}, key=len, reverse=True))
        self.object_end_words = frozenset(d["object_end_words"])
        self.object_other_max_word_frequency = int(d["object_other_max_word_frequency"])
        self.object_not_openers = tuple(d["object_not_openers"])
        self.object_max_frequency = int(d["object_max_frequency"])
        self.bad_initials = set(d["bad_initials"])
        self.country_suffixes = tuple(d["country_suffixes"])
        self.org_markers = dict(d["org_markers"])
        self.person_cues = tuple(d["person_cues"])
        self.latin_firm_cues = tuple(d["latin_firm_cues"])
        self.latin_firm_role_cues = tuple(d["latin_firm_role_cues"])
        self.latin_firm_words = frozenset(d["latin_firm_words"])
        self.latin_common_words = frozenset(d["latin_common_words"])
        self.source_cue_before = tuple(d["source_cue_before"])
        self.source_cue_after = tuple(d["source_cue_after"])
        self.not_entities = set(d["not_entities"])
        self.nickname = tuple(d["nickname_prefixes"])
        self.title_suffixes = tuple(d["title_suffixes"])
        self.honorifics = frozenset(d["honorifics"])
        self.translit = set(vocab.transliteration_chars())
        self.ambiguous_places = set(d.get("ambiguous_places") or ())
        self.place_name_suffixes = tuple(d["place_name_suffixes"])
        self.rule_firm_suffixes = frozenset(d["rule_firm_suffixes"])
        self.rule_weak_firm_suffixes = frozenset(d["rule_weak_firm_suffixes"])
        self.rule_org_suffixes = dict(d["rule_org_suffixes"])
        self.stem_alias_suffixes = tuple(d["stem_alias_suffixes"])
        # the resolver's: longest first, so 科技股份有限公司 goes before 有限公司
        self.resolver_stem_suffixes = tuple(sorted(d["resolver_stem_suffixes"], key=len, reverse=True))
        self.short_form_suffixes = tuple(sorted(d["short_form_suffixes"], key=len, reverse=True))
        self.leading_function_chars = frozenset(str(d["leading_function_chars"]))
        self.description_heads = tuple(d["description_heads"])
        self.role_org_roles = frozenset(d["role_org_roles"])
        self.role_modifiers = tuple(d["role_modifiers"])
        self.former_prefixes = frozenset(str(d["former_prefixes"]))
        self.role_modifiers_after_firm = tuple(d["role_modifiers_after_firm"])
        self.unit_suffixes = tuple(sorted(d["unit_suffixes"], key=len, reverse=True))
        self.place_organs = tuple(sorted(d["place_organs"], key=len, reverse=True))
        self.list_head_nouns = tuple(sorted(d["list_head_nouns"], key=len, reverse=True))
        self.list_head_continuations = frozenset(str(d["list_head_continuations"]))
        self.list_head_gap_chars = frozenset(str(d["list_head_gap_chars"]).replace(" ", ""))
        self.list_lead_nouns = tuple(d["list_lead_nouns"])
        self.list_lead_verbs = tuple(d["list_lead_verbs"])
        self.list_head_lead_verbs = tuple(sorted(d["list_head_lead_verbs"], key=len, reverse=True))
        self.list_invest_verbs = tuple(sorted(d["list_invest_verbs"], key=len, reverse=True))
        self.list_openers = tuple(sorted(d["list_openers"], key=len, reverse=True))
        self.list_openers_long = tuple(w for w in self.list_openers if len(w) >= 2)
        self.surnames: set[str] = set(vocab.surnames())
        # a model PER span may open with a less common surname too (楼天城, 萧, 冼)
        self.person_surnames: frozenset[str] = frozenset(self.surnames | vocab.surnames_estimated())

    def org_type(self, name: str) -> tuple[str, str | None] | None:
        """('firm', None) or ('org', kind) from the name's suffix, or None when no suffix decides."""
        for marker, kind in self.org_markers.items():
            if marker in name[:-1]:
                return ("org", kind)  # 伊利诺伊大学香槟分校
        if name.endswith(self.not_org_endings):
            return ("none", None)  # 河北北部: a direction, not a 部
        for suffix, type_, kind in self.suffixes:  # longest suffix first: 集团军 > 集团 > 团
            if name.endswith(suffix) and len(name) > len(suffix):
                if type_ == "org" and any(m in name[: -len(suffix)] for m in self.firm_markers):
                    return ("firm", None)  # XX有限公司研究院: run as a business
                return (type_, kind)
        return None

    def honorific(self, name: str) -> bool:
        """Is ``name`` a surname and a form of address (王先生, 李主任, 欧阳女士, 付某)?"""
        for k in (1, 2):
            if name[:k] in self.surnames and name[k:] in self.honorifics:
                return True
        return False

    def person_ok(self, name: str) -> bool:
        """Is ``name`` (a model PER span) plausibly a person's name?"""
        if name in self.not_entities or not CJK_NAME.match(name):
            return False
        if "·" in name:
            parts = name.split("·")
            return all(parts) and 3 <= len(name) <= 16
        if not 2 <= len(name) <= 4:
            return False
        if name[-1] in "人们者族籍方军队化里上下中内外时后前率岛站港湾寺塔洲症病赛节展家氏" and not _full_given_name(name, self):
            return False  # 德国队, 中国人; but 张建军, 王立方: a surname and a common given name
        if len(name) == 2 and name.startswith(self.nickname):
            return False
        if len(name) == 2 and name.endswith(self.title_suffixes):
            return False  # 安总, 王董: a surname and a title, not a full name
        if self.honorific(name):
            return False  # 张先生, 李经理, 付某: a surname and a form of address
        if len(name) == 4:  # 欧阳娜娜: four characters only with a compound surname (or a transliteration)
            return name[:2] in self.surnames or all(c in self.translit for c in name)
        if name[0] in self.person_surnames or name[:2] in self.surnames:
            return True
        return len(name) >= 3 and all(c in self.translit for c in name)


@functools.lru_cache(maxsize=1)
def rules() -> Rules:
    return Rules()


class Matcher:
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
        self.short_forms = _short_forms(self.lexicon, rules().short_form_suffixes, self.forms)
        self.matcher = DictMatcher(self.forms)

    def scan(self, text: str):
        """Yield (start, end, kind, payload), leftmost-longest, non-overlapping (``nlp.dictmatch``), except
        that a name of a generated list yields to a longer place name it overlaps: 上海|临港新片区, not the
        listed 上海临港|新片区 (a listed short name is weaker evidence than the gazetteer's longer name)."""
        resume = 0
        for s, e, (kind, payload) in self.matcher.scan(text):
            if s < resume:
                continue
            if kind == "lexicon" and getattr(payload, "source", ""):
                place = self._longer_place(text, s, e)
                if place is not None:
                    for s2, e2, (k2, p2) in self.matcher.scan(text[s : place[0]]):
                        yield s + s2, s + e2, k2, p2
                    yield place
                    resume = place[1]
                    continue
            yield s, e, kind, payload

    _PLACE_KINDS = ("zone", "division")

    def _longer_place(self, text: str, s: int, e: int):
        """The first match starting inside text[s+1:e] that is a place and ends after ``e``, else None."""
        for s2, e2, (kind, payload) in self.matcher.scan(text[s + 1 : e + 12]):
            if s + 1 + s2 >= e:
                return None
            if kind in self._PLACE_KINDS and s + 1 + e2 > e:
                return s + 1 + s2, s + 1 + e2, kind, payload
        return None


def _short_forms(lexicon, suffixes: tuple[str, ...], known) -> dict[str, LexiconEntry]:
    """Forms of known firms without their business suffix (理想汽车 -> 理想), where that stem is no
    name of its own (not a lexicon or gazetteer form) and has at least two characters; hand-made
    entries only (a generated list's names are taken as listed)."""
    out: dict[str, LexiconEntry] = {}
    for form, entry in lexicon.forms.items():
        if entry.type != "firm" or is_latin(form) or entry.source:
            continue
        for suffix in suffixes:
            stem = form[: -len(suffix)]
            if form.endswith(suffix) and len(stem) >= 2 and stem not in known and lexicon.lookup(stem) is None:
                out.setdefault(stem, entry)
                break
    return out


@functools.lru_cache(maxsize=4)
def _matcher(lexicon_id: int) -> Matcher:
    return Matcher()


def get_matcher() -> Matcher:
    return _matcher(id(load_lexicon()))


@functools.lru_cache(maxsize=1)
def _jieba_freq() -> dict:
    return get_tokenizer().FREQ


def in_dictionary(word: str) -> bool:
    """Is ``word`` in jieba's dictionary (at any frequency)?"""
    return word in _jieba_freq()


def common_word(word: str, threshold: int = 1000) -> bool:
    """A frequent dictionary word (金融, 数字) is a description, not a name."""
    return (_jieba_freq().get(word) or 0) >= threshold


GIVEN_NAME_MAX_WORD_FREQUENCY = 1000  # jieba frequency: 建军 (rare) is a given name, 海军 a word
GIVEN_NAME_MAX_BAND = 1  # the 200 most frequent given-name characters (ner.resources.GIVEN_RANKS)


def _full_given_name(name: str, rules: Rules) -> bool:
    """A three-character name: a surname, then two characters both among the most frequent
    of given names (张建军, 李家中?: 建 and 军 are; 德国队: 德 is no surname; 韩国人: 人 is rare)."""
    if len(name) != 3 or name[0] not in rules.person_surnames:
        return False

    if common_word(name[1:], GIVEN_NAME_MAX_WORD_FREQUENCY):
        return False  # 周国家, 李红军?: the last two characters are an ordinary word (国家, 海军)
    codes = given_name_codes()
    return all(c in codes and codes[c][1].isdigit() and int(codes[c][1]) <= GIVEN_NAME_MAX_BAND for c in name[1:])


def descriptive(name: str, rules: Rules) -> bool:
    """X科技 / X公司 where X is an ordinary word (高水平, 耐心, 铁路, 北京+服务贸易): a description.

    Not when X is a firm of the lexicon (百度集团) or the suffix names a business on its
    own (青山集团, 长城有限公司: ``strong_firm_suffixes``) -- unless X is generic (大型集团).

    Brand stems are words the dictionary does not know or knows as rare (宇树, 群核,
    幻方); a place alone is a stem too, but only before an institution suffix
    (北京银行, 杭州银行): a place before an industry word is a description
    (杭州科技, 中国资本).
    """
    if any(w in name for w in rules.demonstratives):
        return True  # 浙江这家电子公司
    for suffix in sorted(rules.firm_suffixes, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            gaz = load_gazetteer()
            for L in range(min(len(stem), 9), 1, -1):  # 北京服务贸易: look past a leading place
                if gaz.candidates(stem[:L]) or stem[:L] in gaz.countries:
                    if L == len(stem):  # 北京银行 is a name, 杭州科技 a description
                        return not suffix.endswith(rules.place_name_suffixes)
                    stem = stem[L:]
                    break
            if stem in rules.generic:
                return True
            if suffix in rules.strong_firm_suffixes or _known_firm(stem):
                return False  # 青山集团, 百度集团: a name, whatever else the stem means
            return common_word(stem, 50)
    return False


def _known_firm(stem: str) -> bool:
    """Is ``stem`` a firm of the lexicon (百度, 吉利), so that stem + suffix names that firm?"""
    entry = get_matcher().lexicon.lookup(stem)
    return entry is not None and entry.type == "firm"
