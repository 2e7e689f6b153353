"""The phrasings ``nlp.relations`` reads, as regular expressions, one function per relation family.

``patterns()`` merges the families into one dict (pattern name -> compiled pattern), built once per process
from the cue words in ``pipeline/data/vocab/relation_cues.yaml`` (``cues()``). Shared fragments (a role
phrase, the deal verbs, an aside in brackets, an amount paid, a zone of a city) are built once in
``_fragments`` and passed to each family. Patterns are used with ``.match`` (anchored at a position) or
``.search`` (ending at ``$``), as the comment above each says.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline import vocab


@dataclass(frozen=True)
class Cues:
    founder_roles: tuple[str, ...]
    top_roles: tuple[str, ...]
    other_roles: tuple[str, ...]
    role_prefixes: tuple[str, ...]
    party_roles: tuple[str, ...]
    party_bodies: tuple[str, ...]
    invest_verbs: tuple[str, ...]
    investor_nouns: tuple[str, ...]
    references: tuple[str, ...]
    non_topic_before: tuple[str, ...]
    backer_nouns: tuple[str, ...]
    support_verbs: tuple[str, ...]
    funding_words: tuple[str, ...]
    unit_nouns: tuple[str, ...]
    hedges: tuple[str, ...]
    hedge_exceptions: tuple[str, ...]
    role_verbs: tuple[str, ...]
    source_before: tuple[str, ...]
    spawn_verbs: tuple[str, ...]
    child_nouns: tuple[str, ...]
    list_openers: tuple[str, ...]
    place_references: tuple[str, ...]
    located_verbs: tuple[str, ...]
    birth_verbs: tuple[str, ...]
    legal_forms: tuple[str, ...]
    seat_words: tuple[str, ...]
    zone_nouns: tuple[str, ...]

    @functools.cached_property
    def roles(self) -> tuple[str, ...]:
        return tuple(sorted({*self.founder_roles, *self.top_roles, *self.other_roles, *self.party_roles}, key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def cues() -> Cues:
    d = vocab.yaml_data("relation_cues.yaml")
    return Cues(**{k: tuple(d[k]) for k in Cues.__dataclass_fields__})


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _fragments(c: Cues) -> dict[str, str]:
    """Pieces shared by several families: a role phrase, the deal verbs, an aside, an amount, a city's zone."""
    role = rf"(?:{_alt(c.role_prefixes)})?(?:{_alt(c.roles)})"
    # a role phrase: roles joined by 兼 / 、 / 及, each optionally after a short unit name (终端 BG 董事长)
    unit = r"(?:(?!的|了|是|在|将|对|向|与|和|称|说|表示|宣布|任命|聘请|邀请|出席|会见|接受|其)[\u4e00-\u9fffA-Za-z ]|(?<=[A-Za-z0-9])\d)"
    # a unit of the organisation may come first, with 的 (自动驾驶事业部的首席科学家): then the role is of the unit
    unit_of = rf"(?:{unit}{{1,12}}?(?:{_alt(c.unit_nouns)})的)"
    part = rf"(?:{unit_of}?{unit}{{0,12}}?{role}(?:之一)?)"
    phrase = rf"{part}(?:\s*(?:兼|、|及|和|并任)\s*{part}){{0,4}}"
    verbs = _alt(c.invest_verbs)
    paren = r"(?:\s*[（(][^）)]{0,24}[）)])"  # an aside after a name: 优图实验室（X lab）负责人
    # an amount paid (以10亿元 / 斥资5亿美元) before a deal verb
    amount = r"(?:(?:以|斥资|出资|耗资)\s*[\d.]+\s*[多余]?[十百千万亿]*\s*(?:美元|港元|港币|欧元|日元|元|人民币)?)"
    # a zone of a city after it (厦门火炬高新区（翔安）注册成立): the firm is still set up in the city
    zone = rf"(?:[\u4e00-\u9fff]{{0,8}}?(?:{_alt(c.zone_nouns)}))"
    return {"phrase": phrase, "verbs": verbs, "paren": paren, "amount": amount, "zone": zone}


@functools.lru_cache(maxsize=1)
def patterns() -> dict[str, re.Pattern]:
    """Every pattern by name (see the family functions)."""
    c = cues()
    x = _fragments(c)
    merged: dict[str, re.Pattern] = {}
    for family in (_roles_patterns, _founding_patterns, _studies_patterns, _deals_patterns, _parents_patterns,
                   _places_patterns):
        merged.update(family(c, x))
    return merged


def _roles_patterns(c: Cues, x: dict[str, str]) -> dict[str, re.Pattern]:
    """Patterns of roles between an organisation and a person (founded / leads / works_at)."""
    phrase, paren = x["phrase"], x["paren"]
    return {
        # ORG ... PERSON: 吉利控股集团创始人李书福, 华为的CEO X, 前锐迪科创始人戴保家
        # ORG(的) ROLE 是/为 PERSON: 小红书的CEO是毛文超, 小红书的创始人为毛文超和瞿芳
        "org_role_is_person": re.compile(rf"\s*(?:的)?\s*(?P<role>{phrase})\s*(?:是|为|系)\s*[:：]?\s*$"),
        "org_role_person": re.compile(rf"{paren}?(?P<comma>[,，]?)\s*(?:其)?\s*(?:的)?\s*(?P<role>{phrase})\s*(?:的)?\s*[,，:：]?\s*$"),
        # ORG1（…）ROLE、ORG2 ROLE PERSON: ORG1's role in a chain of appositions before the person
        "apposition_link": re.compile(rf"{paren}?\s*(?:的)?\s*(?P<role>{phrase})\s*、\s*$"),
        # PERSON 担任 CEO (no organisation after the role)
        # PERSON 为公司实际控制人 / 是该公司的董事长: the role of the organisation the text is about
        "person_reference_role": re.compile(rf"\s*(?:亲自|将|已|曾|现|目前|此前|同时|也|还|正式|继续|一直)?\s*(?:是|为|系|担任|出任|任|兼任)\s*(?:{_alt(c.references)})\s*(?:的)?\s*(?P<role>{phrase})"),
        # a clause with no subject of its own (，更是百度历史上最年轻的T10工程师): ORG then the role
        "as_before": re.compile(r"作为\s*$"),
        "entered_before": re.compile(r"在\s*(?:进入|加入|入职)\s*$"),
        "entered_after": re.compile(r"\s*(?:工作|任职)?[^，,。；;]{0,8}?(?:之后|以后|后|期间|时)\s*[，,]\s*"),
        "bare_role": re.compile(rf"(?P<role>{phrase})"),
        "roles_colon": re.compile(r"(?:身兼数职|身兼多职|兼任多职|职务(?:包括|有)|头衔(?:包括|有)|历任|曾任|现任|兼任)\s*[：:]"),
        "subjectless_role": re.compile(r"\s*(?:更|也|还|则|并|后|后来|现|曾|同时|此前)?\s*(?:又)?\s*(?:是|为|成为|担任|出任)\s*$"),
        "role_after_modifier": re.compile(rf"\s*(?:[^，,。；;的]{{0,10}}的)?\s*(?P<role>{phrase})"),
        "joins_alone": re.compile(r"\s*(?:也|还|则|随后|后来|同时)?\s*(?:一同|一起|随之|同时|先后|相继)?\s*(?:加盟|加入)(?:了)?\s*(?:[,，。；;！!]|$)"),
        "takes_role": re.compile(rf"{paren}?\s*(?:也|还|则|将|已|曾|随后|后来|正式|同时|并)?\s*(?:{_alt(c.role_verbs)})(?:了)?\s*(?P<role>{phrase})"),
        "source_before": re.compile(rf"(?:{_alt(c.source_before)})\s*$"),
        # PERSON，ORG ROLE (何晓飞，浙江大学教授): the role phrase ends the clause
        "apposition_comma": re.compile(r"\s*[,，（(]\s*(?:前|原|时任|现任)?\s*$"),
        "role_ends_clause": re.compile(r"\s*(?:[,，。；;！!？?）)]|$)"),
        # PERSON (曾)加入 / 在ORG工作: works_at with no role
        "joins": re.compile(r"\s*(?:于\s*\d{4}\s*年(?:\s*\d{1,2}\s*月)?)?\s*(?:[\u4e00-\u9fff]{0,4}?)(?:加入|加盟|入职|就职于|任职于|供职于)(?:了)?\s*$"),
        "works_in_before": re.compile(r"(?:曾|曾经|此前|先后|一直|长期)?(?:在|于|进入|加入)\s*$"),
        "works_in_after": re.compile(r"\s*(?:等[\u4e00-\u9fff]{0,4}?)?\s*(?:中|里|内)?\s*(?:工作|任职|就职|供职|担任)"),
        # PERSON 担任 ORG ROLE
        "person_verb": re.compile(r"\s*(?:(?:亲自|将|已|曾|曾经|现|目前|此前|同时|也|还|正式|继续|一直)\s*){0,3}(?:是|为|系|作为|担任|出任|任|兼任|就任|升任|被任命为|被聘为|被聘任为|受聘为|获任|晋升为|当选为?|被选为|被提拔为|调任)\s*$"),
        # ORG 任命 PERSON 为 ROLE
        "appoints": re.compile(r"\s*(?:正式|宣布|近日|日前|已|已经|将)?\s*(?:任命|聘请|聘任|委任|聘)(?:了)?\s*$"),
        "appointed_as": re.compile(rf"\s*(?:为|担任|出任)\s*(?:公司|该公司|集团)?\s*(?:的)?\s*(?P<role>{phrase})"),
        # PERSON 加盟 ORG，出任 ROLE
        "joins_role": re.compile(rf"\s*[,，]?\s*(?:并|后|随后|同时|正式|并将)?\s*(?:出任|担任|任)\s*(?P<role>{phrase})"),
        # ORG 的 PERSON ROLE (中国社科院的张三研究员指出)
        "role_after_person": re.compile(rf"(?P<role>{phrase})(?=\s*(?:[,，。；;：:、）)]|$|表示|指出|认为|说|称|介绍|透露|坦言|告诉|接受|也|则|还|曾|对))"),
        "role_after": re.compile(rf"\s*(?:的)?\s*(?P<role>{phrase})"),
        # the next link of a chain of roles: 曾任百度副总裁、阿里巴巴CTO / 小马智行CEO彭军、CTO楼天城
        "role_chain": re.compile(r"\s*(?:、|以及|及|和|兼|并任)\s*"),
        "role_then_person": re.compile(rf"\s*(?:、|，|,|以及|及|和)\s*(?P<role>{phrase})\s*$"),
        "opening_role_referring": re.compile(rf"\s*(?:{_alt(c.references)})\s*(?:的)?\s*(?P<role>{phrase})\s*(?:为|是)\s*[:：]?"),
        "opening_role": re.compile(rf"\s*(?:其|该公司|公司)?\s*(?:的)?\s*(?:两位|三位|几位|多位|一位)?\s*(?P<role>{phrase})\s*(?:为|是|包括|有)?\s*[,，:：“”\"]?$"),
    }


def _founding_patterns(c: Cues, x: dict[str, str]) -> dict[str, re.Pattern]:
    """Patterns of founders: PERSON 创办 FIRM, FIRM 由 PERSON 创立."""
    return {
        # PERSON/FIRM ... 创办 ORG (no stop in between)
        "founded_between": re.compile(r"[^。；;！!？?]{0,30}?(?:创办|创立|创建|创设|设立|组建|一手打造)(?:了|的)?\s*[“\"「]?\s*$"),
        # PERSON/FIRM …(注册)成立了 [a short description ending in 公司] FIRM
        "set_up_between": re.compile(r"[^。；;！!？?]{0,30}?(?:创办|创立|创建|成立|设立|组建)了?\s*(?:[^，,。；;！!？?]{0,16}?(?:公司|企业|平台|品牌|机构))?\s*[“\"「]?\s*$"),
        # 他们/两人 (在硅谷)(共同)成立了 FIRM: the people of the sentence before (a clause of its own)
        "they_founded": re.compile(r"\s*(?:于是|随后|后来|之后|最终|最后|不久|当年|[\u4e00-\u9fff]{1,4}(?:后|以后|之后))?\s*[\d\s年月日底初末]*\s*(?:他们|两人|二人|三人|二者|俩人|两位|三位)\s*(?:又|也|便|就|还|随即|随后|于)?[^，,。；;他她]{0,14}?(?:共同|联合|一起|一同|携手)?(?:创办|创立|创建|成立|组建)(?:了)?\s*(?:[^，,。；;！!？?]{0,16}?(?:公司|企业|平台|品牌|机构))?\s*[“\"「]?\s*"),
        "founded_by": re.compile(r"\s*(?:(?:于|在)[^，,。；;由]{0,12}?)?(?:由|是由)\s*$"),
        "founded_by_after": re.compile(r"\s*(?:于\s*\d{4}\s*年(?:\s*\d{1,2}\s*月)?)?\s*(?:在[^，,。；;由创]{1,10}?)?\s*(?:联合|共同|一手)?(?:创办|创立|创建|创设)"),
        "reference_by": re.compile(rf"(?:(?:{_alt(c.references)})\s*)?(?:由|是由)\s*(?:[\u4e00-\u9fffA-Za-z]{{0,12}}?)$"),
    }


def _studies_patterns(c: Cues, x: dict[str, str]) -> dict[str, re.Pattern]:
    """Patterns of alumnus_of: schools, degrees, alumni."""
    return {
        # PERSON 毕业于 / 考入 / 就读于 ORG; 在ORG攻读博士; 获得ORG(的)…博士学位; 从ORG考入
        "study_before": re.compile(r"(?:毕业于|毕业自|考入|考上了?|考取了?|被?保送(?:到|至|进入?)?|保研(?:到|至)|就读于?|入读|求学于|留学于|深造于|进修于|所读的?(?:也|都)?是|升入|进入)\s*$"),
        "study_at_before": re.compile(r"(?:在|于|从|赴|前往|到)\s*$"),
        "study_at_after": re.compile(r"\s*(?:攻读|就读|读完?|完成|获得|取得|拿到|考入|考上|毕业|被保送)(?:了)?[^，,。；;]{0,8}?(?:学士|硕士|博士|本科|学位|研究生|大学|学院|$)|\s*(?:考入|考上|被?保送|毕业|读书|求学|深造|留学|读博|读研|攻读)"),
        "degree_before": re.compile(r"(?:获得|取得|拿到|获|拥有|持有|以及|和|及|、)(?:了)?\s*$"),
        "degree_after": re.compile(r"\s*的?\s*[\u4e00-\u9fffA-Za-z]{0,14}?(?:学士|硕士|博士)(?!生导师|后|点|生招生)"),
        # PERSON(是/的) ORG 毕业生 / 校友
        "person_alumnus": re.compile(r"\s*(?:都|均|也|同样|同为)?\s*(?:是|为|系|,|，)?\s*(?:的)?\s*$"),
        "graduate_of_org": re.compile(r"\s*(?:本科|硕士|博士|研究生)?\s*毕业的\s*(?:本科生|硕士|博士|研究生)?\s*$"),
        "alumnus_tail": re.compile(r"\s*(?:的)?\s*(?:本科|硕士|博士|研究生)?\s*(?:毕业生|校友|毕业)|\s*[^，,。；;的、]{0,10}?的\s*(?:本科生|硕士生?|博士生?|研究生|毕业生|校友|学生|学子)(?!导师)"),
        "same_school": re.compile(r"\s*[,，]?\s*(?:与|和|同|跟)\s*$"),
        "same_school_tail": re.compile(r"\s*(?:是|为|系|都是|均为)?\s*(?:同校|同学|同门)?\s*校友"),
        "alma_mater": re.compile(r"\s*的\s*母校\s*(?:是|为|系)?\s*$"),
        "alumnus": re.compile(r"\s*(?:本科|硕士|博士|研究生)?\s*毕业于\s*$"),
        "degree_person": re.compile(r"\s*[^，,。；;的、]{0,10}?(?:博士|硕士|学士|MBA|EMBA)(?:毕业生|研究生|毕业)?\s*"),
        "degree_ends_clause": re.compile(r"\s*[^，,。；;的、]{0,10}?(?:(?:本科|学士|硕士|博士|MBA|EMBA)\s*[、和及]?\s*){1,3}(?:毕业|学位)?\s*(?:[,，。；;）)]|$)"),
        "graduated_from": re.compile(r"(?:本科|硕士|博士|研究生)?\s*毕业于\s*$"),
        "graduate_person": re.compile(r"\s*的\s*(?:本科生|硕士生?|博士生?|研究生|毕业生|高材生|学生)?\s*"),
        # ORG(的)(系、届)校友 PERSON: 清华大学计算机系2000级校友张三
        "alumnus_org_first": re.compile(r"\s*(?:的)?\s*(?:[^，,。；;、的\s]{0,12}?(?:系|学院|专业|级|届|班))?\s*(?:校友|毕业生|博士毕业生|硕士毕业生|本科毕业生)\s*(?:中|里)?\s*(?:包括|有|如)?\s*[:：]?\s*$"),
        # ORG 走出了 / 培养了 PERSON(、PERSON)
        "school_produced": re.compile(r"\s*(?:先后|还|也|更是)?\s*(?:走出了|走出过|培养了|培养出了?|培养过|涌现出了?)\s*(?:[^，,。；;、]{0,10}?(?:如|包括|有)\s*)?$"),
        "study_job_words": re.compile(r"读书|求学|深造|留学|读博|读研|毕业|考入|考上|保送|就读|入读|求学|所读|升入|进入|攻读|学位|学士|硕士|博士|本科|研究生|工作|任职|就职|供职|担任"),
    }


def _deals_patterns(c: Cues, x: dict[str, str]) -> dict[str, re.Pattern]:
    """Patterns of invested_in: rounds, investors, shareholdings."""
    verbs, amount = x["verbs"], x["amount"]
    return {
        "as_investor_of": re.compile(rf"[^，,。；;、]{{0,12}}?的\s*(?:老|早期|主要|重要|长期|最早的?|首批)?\s*(?:{_alt(c.investor_nouns)})\s*[，,]\s*"),
        # A、B 分别持股20%和10% / A持有其12.5%的股份: shareholders of the firm the text is about
        "holds_stake": re.compile(r"\s*(?:[（(][^）)]{0,20}[）)])?\s*(?:分别|合计|共同|直接|间接|则|也|还|仍)?\s*(?:持股|持有(?:其|公司|该公司)?\s*[\d.]+\s*%|持有(?:其|公司|该公司)[^，,。；;]{0,6}?(?:股份|股权))"),
        # (由)A、B(联合)领投 / 纷纷投资
        "invest_after_list": re.compile(rf"\s*(?:[（(][^）)]{{0,20}}[）)])?\s*(?:(?:等|(?:\d+|[两二三四五六七八九十几多]+)家)[\u4e00-\u9fff]{{0,12}}?)?\s*(?:纷纷|先后|共同|联合|均|都|也|分别|再次|继续|同时)?\s*(?:{verbs})"),
        "invested_by_modifier": re.compile(rf"\s*(?:等[\u4e00-\u9fff]{{0,8}}?)?\s*(?:共同|联合|参与)?(?:{verbs})(?:过)?的\s*$"),
        "invest_object": re.compile(rf"\s*(?:等[\u4e00-\u9fff]{{0,12}}?)?\s*(?:(?:纷纷|先后|共同|联合|均|都|也|分别|再次|继续|同时|曾|曾经|已|已经|还|又|此前|早已|早在[^，,。；;]{{0,10}}?就)\s*){{0,3}}{amount}?\s*(?:战略)?(?:投资|入股|注资|增资|参投)(?:了)?\s*$"),
        # FIRM(的)(大)股东 A: A holds a stake in FIRM (not 投资人: 红杉中国投资人X is a job there)
        "shareholder_of": re.compile(r"\s*(?:的)?\s*(?:第一大|第二大|第三大|大|主要|重要|少数|老|现有|战略)?\s*(?:股东|投资方)\s*[,，:：]?\s*$"),
        # FIRM 引入 A(、B) 作为/成为 (战略)投资者 / 股东
        "brings_in": re.compile(r"\s*(?:已|将|正式|成功|再次|先后)?\s*引入(?:了)?\s*$"),
        "brought_in_as": re.compile(rf"\s*(?:等[\u4e00-\u9fff]{{0,6}}?)?\s*(?:作为|成为|为)\s*(?:公司|其)?\s*(?:的)?\s*(?:新|战略|外部|新的)?\s*(?:{_alt(c.investor_nouns)})"),
        "investor_head": re.compile(rf"\s*的?\s*[\u4e00-\u9fffA-Za-z0-9+ ]{{0,8}}?(?:{_alt(c.investor_nouns)})\s*(?:还|也|则|主要)?\s*(?:包括|有|为|是|涵盖|囊括)\s*[:：]?\s*$"),
        "investor_head_anywhere": re.compile(rf"(?:{_alt(c.investor_nouns)})\s*(?:还|也|则|主要)?\s*(?:包括|有|为|是|涵盖|囊括)\s*[:：]?\s*$"),
        "joint_venture": re.compile(r"\s*(?:共同|联合)?(?:合资|合作)(?:建设|成立|组建|设立|打造|创办)?的\s*$"),
        "by": re.compile(r"(?:由|是由)\s*$"),
        "investor_of_before": re.compile(r"\s*(?:也|还|均|都|同样)?\s*(?:作为|是|为|系|成为)(?:了)?\s*$"),
        "investor_of_after": re.compile(rf"\s*的?\s*[^，,。；;]{{0,8}}?(?:{_alt(c.investor_nouns)})"),
        "acts_as_investor": re.compile(rf"\s*(?:担任|作为|成为)(?:了)?\s*(?:本轮|此轮|这轮|该轮)?[\u4e00-\u9fff]{{0,6}}?(?:{_alt(c.investor_nouns)}|领投方|跟投方)"),
        # A 领投了 X 的B轮融资; A 向 X 投资; A 持有 X 13%的股份
        "led_round_of": re.compile(rf"\s*(?:等[\u4e00-\u9fff]{{0,12}}?)?\s*(?:联合|共同)?(?:{verbs}|参与)了?\s*$"),
        "round_after": re.compile(r"\s*的[^，,。；;]{0,12}?(?:融资|轮)"),
        "toward_firm": re.compile(r"\s*(?:共同|联合|分别)?(?:向|对)\s*$"),
        "toward_firm_after": re.compile(r"\s*(?:进行|追加)?(?:了)?\s*(?:战略)?(?:投资|注资|增资|入股)"),
        "holds": re.compile(r"\s*(?:持有|持股|间接持有|直接持有)\s*$"),
        "holds_after": re.compile(r"[^，,。；;]{0,12}?(?:股份|股权)"),
        "support_after_list": re.compile(rf"\s*(?:等[\u4e00-\u9fff]{{0,12}}?)?\s*(?:{_alt(c.support_verbs)})"),
        "list_continues": re.compile(rf"\s*(?:{verbs})?\s*(?:等[\u4e00-\u9fff]{{0,8}}?(?:{_alt(c.backer_nouns)}))?\s*[,，]\s*(?:还有|以及|另有|此外还有|及)?\s*"),
        # a continued list ends its clause: (等…机构)(两只独角兽)，/。, or a deal verb
        "list_ends": re.compile(rf"\s*(?:等[\u4e00-\u9fff]{{0,8}}?(?:{_alt(c.backer_nouns)}))?\s*(?:[两二三四五六七八九十几多\d]+[只家个位][\u4e00-\u9fff]{{0,6}})?\s*(?:[,，。；;！!]|$|{verbs}|{_alt(c.support_verbs)})"),
        "backer_head": re.compile(r"背后[^。；;！!？?]{0,30}?(?:还|也)?(?:包括|包含|有|囊括|涵盖)\s*[:：]?\s*$"),
        "their_backers": re.compile(rf"\s*(?:等[\u4e00-\u9fff]{{0,12}}?)?\s*(?:都|均|也|亦|同样)?\s*(?:是|为|系|成为)(?:了)?\s*(?:{_alt(c.references)})\s*(?:背后)?\s*的?\s*(?:{_alt(c.investor_nouns)})"),
        # 获得了A的投资; 吸引了包括A、B等在内的投资方; 完成了5.45亿美元的A的融资
        "obtain_before": re.compile(r"(?:(?:获得|获|拿到|拿下|斩获|得到|接受|吸引)(?:了)?\s*(?:包括|来自)?|完成了?\s*[\d.,\s]*[多余]?[十百千万亿]*\s*(?:美元|港元|港币|欧元|日元|元|人民币)的)\s*$"),
        "obtain_after": re.compile(rf"\s*(?:[（(][^）)]{{0,20}}[）)])?\s*(?:{verbs})?\s*(?:的)?[^，,。；;]{{0,16}}?(?:投资|融资|注资)(?P<of>的)?"),
        # quick checks: a sentence without any of these words has no relation of that family
        "deal_words": re.compile(rf"{_alt(c.funding_words)}|{verbs}|{_alt(c.support_verbs)}|{_alt(c.investor_nouns)}|{_alt(c.backer_nouns)}|投资|股"),
        "funding": re.compile(_alt(c.funding_words)),
        "object_marker": re.compile(r"(?:向|给|为|替)\s*$"),
        "toward_before": re.compile(r"(?:通过)?\s*对\s*$"),
        "toward_after": re.compile(r"\s*(?:等[\u4e00-\u9fff]{0,8}?)?\s*(?:的|进行了?)\s*(?:战略|股权|天使轮?)?(?:投资|注资|入股)"),
    }


def _parents_patterns(c: Cues, x: dict[str, str]) -> dict[str, re.Pattern]:
    """Patterns of subsidiary_of: 旗下, 子公司, 孵化, 母公司."""
    return {
        "spawn_verb": re.compile(rf"(?:{_alt(c.spawn_verbs)})"),
        # A 旗下(的) B / A 孵化的 B / A(的)(全资|控股)子公司 B
        "parent_child": re.compile(r"\s*(?:的)?\s*(?:旗下|孵化|孵化的|孵化出的|(?:全资|绝对)?控股的|(?:全资|控股)?子公司|(?:全资|控股)?(?:控股)?子公司)\s*(?:的|公司|品牌|企业)?\s*$"),
        # B 是 A 的(全资|控股)子公司
        "child_is": re.compile(r"\s*(?:均|都|也|同样|同)?\s*(?:是|为|系|作为|属于)\s*$"),
        "belongs_to": re.compile(r"\s*(?:隶属于|隶属|从属于)\s*$"),
        "child_tail": re.compile(rf"\s*(?:的)?\s*(?:旗下的?\s*(?:全资|控股)?[^，,。；;的]{{0,8}}?(?:{_alt(c.child_nouns)})|(?:全资|控股)?(?:子公司|控股子公司|附属公司|旗下公司))"),
        # B 由 A 孵化 / 控股
        "child_by": re.compile(r"\s*(?:由|是由)\s*$"),
        "child_by_tail": re.compile(r"\s*(?:孵化|全资控股|控股|分拆)"),
        # A(的)母公司(的|是|为)B: A subsidiary_of B
        # a clause opening with a word referring back + 旗下 (同时，其集团旗下全资子公司B): B of the firm the text is about
        "reference_parent": re.compile(r"\s*(?:同时|此外|另外|而|并|还|目前|此前|如今)?\s*(?:其|该公司|该集团|这家公司|公司|集团)(?:集团|公司)?\s*(?:的)?\s*旗下(?:的)?\s*(?:全资|控股)?\s*(?:子公司|控股子公司|公司|企业)?\s*"),
        "parent_of": re.compile(r"\s*(?:的)?\s*(?:母公司|控股股东|控股方)\s*(?:的|是|为|系)?\s*$"),
    }


def _places_patterns(c: Cues, x: dict[str, str]) -> dict[str, re.Pattern]:
    """Patterns of headquartered_in / founded_in and a city's firms."""
    zone = x["zone"]
    return {
        # A、B等企业皆坐落于此
        "located_here": re.compile(rf"\s*(?:等[^，,。；;]{{0,10}}?)?\s*(?:皆|都|均|也|同样|全都)?\s*(?:{_alt(c.located_verbs)})\s*(?:{_alt(c.place_references)})"),
        "list_opener": re.compile(rf"\s*(?:{_alt(c.list_openers)})\s*[:：]?"),
        "birth_clause": re.compile(rf"\s*(?:先后|相继|陆续|还|也|更是)?\s*(?:{_alt(c.birth_verbs)})"),
        "city_firms": re.compile(r"\s*(?:的)?\s*(?:迎来了?|新增了?|又有|还有|有)?(?:(?!收购|投资|入股|控股|合作|起诉|并购|签约|联手|携手|打败|超过|击败|和|与|、)[^，,。；;、]){0,12}?(?:公司|企业)(?:中有[\d两二三四五六七八九十几]+家|之一)?\s*(?:——|—|：|:)?\s*"),
        "seat": re.compile(rf"(?:其)?\s*(?:{_alt(c.seat_words)})\s*[\u4e00-\u9fff]{{0,6}}?$"),
        "settled": re.compile(r"[^，,。；;]{0,10}?(?:一直|始终|最早)?(?:落户|扎根|坐落)(?:于|在)\s*$"),
        "hq_clause": re.compile(rf"\s*(?:{_alt(c.references)})?\s*(?:的)?\s*总部(?:位于|设在|设于|坐落于|落户于?|在)\s*$"),
        "hq": re.compile(r"总部(?:位于|设在|设于|坐落于|落户|在)\s*$"),
        "hq_after_firm": re.compile(r"\s*(?:的|,|，|（|\(|公司|(?:是|为)一家(?:[^，,。；;的]{0,14}?[、，,])?)?\s*(?:(?:将|把|已将)\s*总部(?:设在|设于|迁至|迁往|搬到|搬迁至)|总部(?:位于|设在|设于|坐落于|落户|在|迁至|迁往|搬迁至))\s*$"),
        "founded_in_before": re.compile(r"(?:在|于|落户)\s*$"),
        "founded_in_after": re.compile(r"\s*(?:注册)?(?:成立|设立|创立|创办|注册|诞生|组建)(?:的)?\s*$"),
        "firm_in_city_founded": re.compile(r"\s*(?:于\d{4}年)?\s*(?:在|于)\s*$"),
        "set_up_object": re.compile(rf"{zone}?\s*(?:[（(][^）)]{{0,12}}[）)])?\s*(?:注册)?(?:成立|设立|创立|创办|组建)了?\s*(?:[^，,。；;！!？?]{{0,16}}?(?:公司|企业|平台|品牌|机构))?\s*[“\"「]?\s*$"),
        "founded_in_tail": re.compile(rf"{zone}?\s*(?:[（(][^）)]{{0,12}}[）)])?\s*(?:注册)?(?:成立|创立|创办|诞生|起步|组建)"),
        "founded_at": re.compile(r"\s*(?:于?\s*\d{4}\s*年(?:\s*\d{1,2}\s*月)?)?\s*(?:成立|创立|诞生|注册)于\s*$"),
        # CITY 诞生了 A和B: founded_in
        "born_in": re.compile(r"\s*(?:诞生|孕育|走出)(?:了|出)\s*$"),
    }
