"""Guideline rules applied to decoded entities, where the model's boundaries break them.

The model gets most boundaries right but misses a few rules of
annotations/GUIDELINES.md that are exact enough to apply after decoding. None of them changes any
gold span of the annotated documents (tests/test_span_rules.py checks all of them):

- A relative magnitude (%, ‰, 个百分点, 倍, 成, 番) right after a direction word (增长, 提高, 压减…,
  with an attached comparison word such as 同比 or 比上年) is a change, not a level: one
  GROWTH_RATE running from those words. 提升至55% (a level reached) and 高于全国8.5个百分点 (a gap)
  have no direction word right before the number and stay AMOUNT.
- A relative magnitude cut in two (15个 | 百分点) is one, and a GROWTH_RATE without a magnitude
  (the 逆势 of 逆势增长) is not an entity.
- Ordinals (第4位) are never AMOUNT, nor is a bare number with no unit (a hotline 96178, the 16 of
  16个指标 cut from its 个) or a rank (世界500强, 5大支柱产业), and times (连续24个月, 129天,
  2022年) are never entities: a change that took in its period keeps the rest (5年 | 增长18.7%).
  Numbers in words stay (万亿, 千亿 are gold amounts of their own). A change keeps its comparison
  word whole (比 | 上年增长6%).
- A number ends at its percent sign unless a range goes on (70% | 村卫生室; 5%—5.5%).
- A level reached is an AMOUNT without its words: a GROWTH_RATE the model gave as 上升为百分之五十二点八
  or 提升至55% is the AMOUNT 百分之五十二点八, 55%; the words before a level (约, 近, 超, 达, 为, 占…)
  stay outside an AMOUNT. A fraction in Chinese numerals is whole however the model cut it
  (增长百分之十 | 八, 三分 | 之一), and an AMOUNT needs a numeral (每户, 几项 are none). No gold
  GROWTH_RATE holds 为, 至, 到 or 达, and no gold AMOUNT begins with such a word.
- A rate per something (796元/月, 27微克/立方米) is one AMOUNT, also when the model stopped after
  the / (796元/ | 月), and a magnitude cut inside 个百分点 takes in its 点.
- No entity begins or ends with punctuation or a space. An entity leaves enclosing quotes and
  brackets out and takes in the other half of a pair it holds one half of (杭州湾引水工程（观海卫段）,
  “临海·溪山有道”片区共富项目, 3.8万套（间）). A METRIC, PROJECT or ORG is one span across the 、
  of a shared head when the model cut it there (东山头村、五里村村级工业集聚区提升工程). No two gold
  METRIC or PROJECT spans touch, so touching pieces of one are joined (计划 | 总投资); ORGs may
  touch (市委市政府).
- An indicator keeps the qualifiers of its name and drops the action verb and the scope word
  before it: 工业增加值 right after 规模以上 (规上, 全社会, 一般公共预算, 外贸自营, 计划; 实际 before
  利用外资) takes it in; 投入资金, 实现地区生产总值, 共募集慈善捐款 lose the verb (not 完成率 or
  增加值) and 全镇失业率, 本镇…, 我国…, 各类农户小额贷款, 全年… the scope word, unless less than two characters would
  remain; the change after it and its adverb (收入增加 | 910元, 收入实际 | 增长, 零售额同比 | 增长) are
  left out. No gold
  METRIC starts right after such a qualifier or with such a verb or scope word, or ends in such an
  adverb.
- Complete indicator names of one kind that the model joined are one METRIC each (全社会用电量、
  西电东送电量; 生产安全死亡事故起数和死亡人数: every item ends in the same character and in 率, 额,
  量, 数…). No gold METRIC is such a join.
- Coordinated items that share an indicator's head are one METRIC with it (制造业、 |
  普惠小微贷款余额; 基本养老保险 | 、 | 基本医疗保险参保率): a METRIC right after a 、 reaches back over
  the items before it, each short, without digits, beginning after punctuation, untagged or
  tagged METRIC or PROJECT by itself (an ORG stays: 公牛、韩电产值), and not a complete name itself
  (接待游客人次、游客总花费 stay two: an item ending in 率, 额, 量, 人次, 利润, 工程… is complete).
- Anonymised reports write a masked place name as * (*中心卫生院迁建工程); a name right after one
  takes it in. No gold span starts right after a *.
- A project's name takes in the works noun right after it (新城幼儿园 | 建设项目, 沿山精品线改造提升 |
  工程): no gold PROJECT is followed by 项目 or 工程.
- What happens to the works is not part of their name (环白洋湖绿道 | 建设, 三塘头特色村 | 进场,
  裕龙石化一期 | 稳产达产; 建设项目 stays, by the rule before): no gold PROJECT ends in 建设, 施工,
  进场, 开工, 竣工, 完工, 达产, 投产 or 投用, while action nouns of a name (综合提升, 改造) stay.
- A village by its name alone (西街村, 五塘新村) is a place, not a PROJECT (guidelines: bare place
  names and places mentioned as locations are not marked); a named scheme keeps its word
  (杜家桥宜居村, 三塘头特色村, 大岐山中心村). No gold PROJECT is a bare village.
- A bare company name standing for its project stays ORG (健仕科技等7个项目): a PROJECT that
  ends in a company's type word (电器, 科技, 实业, 集团, 公司…) is an ORG. No gold PROJECT ends in one.
- A comparison word belongs to the change it begins: a name that took it in gives it back
  (国内生产总值比 | 增长12% → 国内生产总值 | 比上年增长12%).
- The publishing body in a metadata header (发布机构: 新浦镇, the value on the same or the next
  line) is an ORG, added where nothing the model tagged survives the rules.
- The items of a company list are ORGs (公牛、罗特等8家企业; 健仕科技等7个项目 keeps only items that
  are a name and a company's type word), once the model tagged one of them ORG or an item ends in
  such a word: national reports list trades the same way (采煤、发电、冶炼、化工等企业).
- Government departments named with their level (省财政厅, 市交通局, 市自规局, 国家发展改革委,
  自治区国资委: a level, what the department is for from a closed list, 局/厅/委) are ORGs, as the
  guidelines list them; added where nothing but the model's ORGs inside them lies, not before 长,
  副… (their heads) or inside a title. Every such department in the gold documents is a gold ORG.
  So is a town's or street's service body (镇/街道/乡 + a few characters + 中心/站/所/队) that begins
  a clause and is rated or acts (街道专职消防队被评为…, 镇审批服务中心荣获…; not 镇级…).
- A body named in its meeting's name (省委十一届九次全会, 省委经济工作会议) is no ORG: the
  guidelines leave names inside a longer name unmarked. No gold ORG is followed by one.
- A name that only occurs inside a document title (《中共福建省委关于制定…的建议》) is no entity.
- People and titles are no ORG (江泽民主席, 政协委员, 国务院总理, 胡锦涛 | 同志), nor are kinds of
  body (高校, 科研院所, 各级人民政府, 大中型商业银行) or events (上海世博会, 广交会, …峰会, …论坛); the
  guidelines mark named bodies only. No gold ORG has these forms. No name ends in a conjunction
  (国泰君安与 | 海通证券).
- A share is named whole: a METRIC cut at 占 runs through the nearest 比重, 比例, 份额 or 比
  (产业投资占 | 全部投资比重 → 产业投资占全部投资比重), or else ends before the 占 and its adverbs
  (船舶海工出口规模占全国1/3 → 船舶海工出口规模). A count of things touching a rate or share
  with its own value is the set it is taken over (14类 | 场所总覆盖率 → 14类场所总覆盖率), while
  other names keep their counts (191家 | 工业企业营业收入). No gold METRIC ends in 占.
- An indicator is marked only when its sentence gives it a value or a change: a METRIC whose
  sentence (up to 。；！？ or a line break) holds no AMOUNT or GROWTH_RATE, at any score, and no
  digit (a value the model may have missed) is not an entity (生产安全事故起数、死亡人数“双下降”).
  Every gold METRIC has a gold value in its sentence.

A rule that would cut into another entity is not applied. Rules read a folded copy of the text
(full-width forms, traditional characters) with the same offsets, so entities are still cut from
the caller's string.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Sequence

from .entity import Entity
from .labels import NUMBER_LABELS
from .normalize import DOWN_WORDS, UP_WORDS
from .textnorm import normalize_text
from .word_edges import pos_words

_NUMBER = r"(?:[\d.,]+|[零〇一二两三四五六七八九十百千万亿]+)[余多]?"
_RANGE = rf"{_NUMBER}(?:[-~—–至到]{_NUMBER})?"
_RELATIVE = re.compile(rf"{_RANGE}\s*(?:%|‰|个百分点|百分点|倍|成|番)")
# one-character directions (增, 降…) are left out: 新增3% or 降费 are too easily misread
_DIRECTION = "|".join(w for w in f"{UP_WORDS}|{DOWN_WORDS}".split("|") if len(w) > 1)
_COMPARISON = re.compile(r"同比|环比|年均|[比较](?:上年同期|去年同期|上年|去年|年初)")
_CHANGE = rf"(?:{_COMPARISON.pattern})?(?:{_DIRECTION})了?(?:超过|超|近|约|逾)?"
_CHANGE_AHEAD, _CHANGE_BEFORE = re.compile(_CHANGE), re.compile(_CHANGE + "$")
_MAGNITUDE = re.compile(r"[\d零〇一二两三四五六七八九十百千万]|番")
_CN_FRACTION = re.compile(r"[一二两三四五六七八九十百千]+分之[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?")  # 百分之二十一点七, 三分之一
_FIRST_DIGIT = r"(?=[\d零〇一二两三四五六七八九十百千半])"  # where a number begins
_LEVEL_WORD = re.compile(rf"(?:约|近|超过|超|达到|达|逾|共|为|占|到|至){_FIRST_DIGIT}")  # guidelines: outside
_REACHED = re.compile(rf"(?:{UP_WORDS}|{DOWN_WORDS})了?(?:为|至|到|达到){_FIRST_DIGIT}")  # 上升为 | 百分之…
_NUMERAL = re.compile(r"[\d零〇一二两三四五六七八九十百千万亿半]")
_TIME = re.compile(rf"{_RANGE}\s*个?(?:小时|分钟|工作日|季度|[年月天日周秒])(?!元)")  # not 日元
_NO_QUANTITY = re.compile(r"[\d.,]+|(?:[\d.,]+|[零〇一二两三四五六七八九十百千]+)[强大]")  # 96178; 500强, 5大 (not 6大类)
_PERCENT_TAIL = re.compile(r"[%‰][^\d%‰]+$")
_PER_UNIT = re.compile(r"/(?:人·月|人次|平方米|立方米|千瓦时|公里|小时|[月年天日周人户亩吨次台件])")
# the works noun that ends a project's name; not 工程师, 工程院, 项目部, 工程款 (a person, a body, money)
_WORKS_NOUN = re.compile(r"(?:改扩建|提升改造|改造提升|建设|改造|提升|新建|扩建|续建|整治)?(?:项目|工程)(?![师院部款])")
# what happens to the works (建设, 进场, 达产…), never the end of a project's name
_WORKS_EVENT = re.compile(r"(?:建设|施工|进场|开工|竣工|完工|稳产达产|达产|投产|投用)+$")
# the type word that ends a company's name (夏宝电器, 中梁房产, 恒耀實業): a PROJECT ending in one is its company
_COMPANY_END = re.compile(r"(?:公司|集团|股份|控股|实业|房产|地产|置业|电器|科技|电子|药业|锁业|银行|证券)$")
# a share and the set a rate is taken over (METRIC); kinds of body, events and people (not ORG)
_SHARE_VERB = re.compile(r"(?:只|仅|约|已|均|共|就|则|也|都|还|分别|合计)*占$")
_SHARE_OF = re.compile(r"比|[^,.;:!?、。\s\d]{1,12}?(?:比重|比例|份额)")  # 产业投资占 | 全部投资比重, 制造业增加值占 | 比
_COUNTED = re.compile(rf"{_NUMBER}[个种类项家所]")  # 14类 | 场所总覆盖率: what a rate is taken over
_RATIO_NAME = re.compile(r"(?:率|比重|比例|占比)$")
_LEVELS = "省|市|县|区|镇|乡|街道"  # of a place or its government, below the nation
_GENERIC_ORG = re.compile(  # kinds of body, not named ones (guidelines: 企业, 高校, 村卫生室, 上级党委)
    r"(?:各级?|各类|有关|相关|上级|基层)?(?:大中型|中小型?|大型|国有|地方|农村)?(?:企业|高校|高等院校|科研院所|科研机构|中小学"
    r"|托儿所|敬老院|养老院|协会|行业协会|(?:行业协会)?商会|银行|商业银行|金融机构|(?:金融)?控股公司|会计师事务所|医院|学校"
    r"|生产队|合作社|村(?:民|居)委员会|村卫生室|党委|政府|人民政府|社会组织|民主党派|人民团体|群团组织)"
    rf"|自治区|{_LEVELS}"  # a level alone: 自治区 | 人大代表建议
)
_BARE_VILLAGE = re.compile(  # a village by its name alone is a place, not works (杜家桥宜居村, 大岐山中心村 are)
    r"[一-龥]{1,5}(?<!特色|中心|宜居|典范|示范|精品|样板|美丽|未来|和美)(?:新村|村|社区)"
)
_EVENT = re.compile(r"(?:博览会|博会|贸会|交会|运动会|峰会|论坛|交易会|展览会|洽谈会|推介会|年会)$")  # 上海世博会, 广交会
_PERSON = re.compile(r"(?:主席|总理|书记|[省市县区镇乡院部厅局]长|委员|人士|代表|官兵)$")  # 江泽民主席, 国务院总理, 政协委员
_HONOURED = re.compile(  # 宋金平 | 评选为慈溪市道德模范, 徐淙祥 | 被授予“时代楷模”称号: honours given to people
    r"(?:被|荣)?(?:评选为|评为|授予|获评|获得|获|当选为?)[^,.;:!?。\n]{0,16}?"
    r"(?:道德模范|好人|楷模|劳动模范|劳模|先进个人|优秀共产党员|工匠|标兵|能手|英雄|最美[^,.;:!?。\n]{0,4}?[人者师生])"
)
_PERSON_NAME = 3  # longest bare person name taken from an honour (宋金平)
_MEMBER_AFTER = re.compile(r"委员(?!会)|代表(?!大会|团|处|性)")  # 省政协 | 委员: a person's title, the body inside it
_BYLINE_BEFORE = re.compile(r"记者[ \t\u3000]*$")  # 本报记者 | 朱江 摄: a photo's credit, as newspapers print reports
_BYLINE_AFTER = re.compile(r"[ \t\u3000]*摄(?![影像制])")
# qualifiers that belong to an indicator's name, and action verbs that do not (guidelines, METRIC)
_KEPT_QUALIFIER = re.compile(r"规模以上|规上|全社会|一般公共预算|外贸自营|计划|实际(?=[利使]用外资)")
_ACTION_VERB = r"共?(?:实现|完成|发放|投入|压减|促成|提出|增加|获得|募集|落实|带动)(?![值率])|共(?=投资)"
_SCOPE_WORD = r"全年|全(?:省|市|县|区|镇|乡|州|街道|国)|[我本](?:国|省|市|县|区|镇|乡|街道)|中心城区|各类"  # 本镇 | 户籍…参保率
_NOT_OF_NAME = re.compile(rf"(?:{_ACTION_VERB}|{_SCOPE_WORD})+")  # in any order: 全年投入…, 发放各类…
_CHANGE_ADVERB = re.compile(r"(?:实际|同比|分别|合计)$")
_CHANGE_VERB = re.compile(  # 城镇居民人均收入增加 | 910元: the change is no part of the name (增速, 增幅 are names)
    r"(?:增长|增加|提高|上升|提升|上涨|扩大|下降|减少|压缩|压减|压降|削减|降低|回落|下滑|下跌|缩减|缩小|缩短)$"
)
# an item ending so is a complete indicator (or project) name of its own, not one sharing the head after it
_COMPLETE_ITEM = re.compile(r"(?:率|额|值|量|数|人次|比重|收入|营收|利润|利税|税收|规模|指数|面积|投资|工程|项目)$")
_PARALLEL = re.compile(r"[、和及]")  # between coordinated items
_ITEM_REACH = 10  # longest coordinated item taken in before a METRIC's head
_MASK = "*"  # anonymised reports write a masked place name as *
_LOOKBEHIND = 16  # characters searched for direction words before a number
_NUMBERS = NUMBER_LABELS
_NAMES = ("METRIC", "PROJECT", "ORG")
_NEVER_TOUCH = ("METRIC", "PROJECT")  # no two gold spans of these touch: touching pieces are one
_EDGE_PUNCTUATION = ",.;:!?、。 \t\n"  # of the folded text, where ，；：！？ are already ASCII
_PAIRS = {"(": ")", "“": "”", "‘": "’", "《": "》", "「": "」", "『": "』", "【": "】", "[": "]"}
_OPENERS = {close: open_ for open_, close in _PAIRS.items()}
_BRACKET_REACH = 20  # characters searched for the other half of a bracket or quote pair
_PUBLISHER = re.compile(r"(?:发布机构|发文机关|发布单位)[ \t]*[:\n]\s*([^\s:,.;!?、。]{2,30})(?=\s|$)")  # a field, not prose
_DEPARTMENT_STEMS = (  # what a government department is for, as reports shorten it (自规: 自然资源和规划)
    "发展和改革|发展改革|发改|财政|教育|交通运输|交通|自然资源和规划|自然资源|自规|公安|民政|商务|卫生健康|卫健|"
    "人力资源和社会保障|人力社保|人社|住房和城乡建设|住房城乡建设|住建|生态环境|环境保护|环保|农业农村|水利|"
    "文化和旅游|文化广电和旅游|文广旅体|文旅|市场监督管理|市场监管|应急管理|税务|统计|审计|经济和信息化|经信|"
    "工业和信息化|工信|科学技术|科技|司法|医疗保障|医保|退役军人事务|林业|气象|体育|综合行政执法|综合执法|"
    "国有资产监督管理|国资|民族宗教|大数据|知识产权|国土资源|卫生计生|安全生产监督管理|安监"
)
_DEPARTMENT = re.compile(  # 省财政厅, 市交通局, 国家发展改革委, 自治区国资委; not its head (厅长) or its parts
    rf"(?:国家|自治区|省|市|县|区|镇|街道)(?:{_DEPARTMENT_STEMS})(?:委员会|局|厅|委)(?![长局厅委副]|主任|党组)"
)
_TOWN_BODY = re.compile(  # a town's or street's service body beginning a clause, rated or acting (guidelines: ORG)
    r"(?:(?<=[,.;:!?。\n])|^)(?:镇|街道|乡)(?!级)[一-龥]{2,8}?(?:中心|站|所|队)(?=被|荣获|获评|获|入选|全年|共|累计|[,.;:])"
)
_INSTITUTION = re.compile(  # a school or hospital by its name (卫前幼儿园, 新浦卫生院): ORG once it exists (guidelines)
    r"(?!(?:国家)?(?:大中|中)(?:小学|学)|市县|县级|市级|乡镇|基层|公立|民办|公办)"  # kinds: 大中小学, 市县中心医院
    r"[^\s,.;:!?、。]{2,12}?(?:幼儿园|小学|中学|初中|高中|成校|卫生院|医院)"
)
_ALONG = "沿线|两侧|两岸|周边|沿岸|一带|附近"
_LOCATION = re.compile(rf"的?(?:{_ALONG})")  # 永安东路和新城大道的沿线 | 面貌: a place, not works
_LOCATION_END = re.compile(rf"(?:{_ALONG})$")  # 祝墩横路及坎胜路沿线
_WORKS_END = re.compile(r"(?:工程|项目|改造|提升|整治|建设|修缮|整修|拓宽|扩建)$")  # works, not a place: 永安东路改造
_WORKS_CHARS = "路街道桥线港站场园湖库江河渠塘湾闸坝馆楼院厂"  # a place name ending so may name the works (桃园路)
_PLACE_LEVEL = re.compile(rf"(?:{_LEVELS})$")  # 慈溪 | 市
_ROUTE_REACH = 6  # longest place name looked for before a route's 至 (宁波至 | 慈溪市域铁路)
_TOWN_GOVERNMENT = re.compile(  # 镇党委, 镇人大主席团, 街道办事处, 镇妇联 (guidelines: ORG); not 乡镇政府, 各镇政府, 镇人大代表
    r"(?<![乡各全本该])(?:镇|街道|乡)(?:人民政府|政府|党委|党工委|人大主席团|人大|办事处|纪委|纪工委|团委|妇联|残联|总工会|武装部|人武部)"
    r"(?!代表|主席|副|常委|委员|书记|主任|领导|班子|工作人员|机关)"
)
_TITLE = re.compile(r"《[^《》\n]{1,100}》")  # a document's title, as reports quote it
_MEETING = re.compile(r"[十一二三四五六七八九\d]+届[^,。;\s]{0,12}?全会|经济工作会议|全会")
_LINK = re.compile(  # what may stand between an indicator and its value: 签约率 | 达 | 97.6%
    r"(?:分别|均|同比|共|累计|全年|预计)?(?:达到|达|为|超过|超|突破|增至|提高到|提高至|提升到|提升至|降至|下降到|完成|实现|近|约|逾)?"
)
_LINK_REACH = 8  # characters between an indicator and the value it names, at most
_LISTED_ITEM = 6  # longest company name taken from a list
_LISTED = re.compile(  # items、items等(N家)(a few words)企业
    r"((?:[^\s,.;:!?、。“”‘’《》()]{2,12}、)+[^\s,.;:!?、。“”‘’《》()]{2,6})等"
    r"(?:[\d一二三四五六七八九十两百千]+[家个])?(?:一批)?[^\s,.;:!?、。]{0,4}?(企业|公司|集团|项目)"
)
_LEADING_VERB = re.compile(  # before the first item of a list: 支持 | 超聚变, 集聚了 | 比亚迪, 与 | 阿里
    r"[^、]{1,3}了|(?:服务保障|支持|推动|推进|促进|引进|引入|培育|保障|扶持|依托|推广|鼓励|引导|加快|包括|促成|帮助|指导"
    r"|抓好|完成|实现|吸引|落地|聚焦|与)"
)
_SENTENCE_END = re.compile(r"[。;!?\n]")  # of the folded text
_DIGIT = re.compile(r"\d")
_MAX_PASSES = 4  # of all the rules: a cap, should two rules ever undo each other


def apply_span_rules(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """The entities (non-overlapping, as decoded) with the guideline rules applied, sorted by start.

    One rule's result can be another's case (a name balanced into its bracket then touches the
    piece before it), so the rules run until nothing changes: their output is their own fixed
    point, which re-scoring a journal's candidates relies on."""
    folded = normalize_text(text)  # full-width and traditional forms folded, offsets kept
    out = sorted(entities, key=lambda e: e.start)
    for _ in range(_MAX_PASSES):
        again = _one_pass(text, folded, out)
        if again == out:
            break
        out = again
    return out


def _one_pass(text: str, folded: str, entities: Sequence[Entity]) -> list[Entity]:
    out = _rules(text, folded, entities)
    named = sorted(_publishers(text, folded, out) + _listed_companies(text, folded, out), key=lambda e: e.start)
    first = [n.start for n in named]  # where nothing else survived; a body inside one of these is not made twice
    named += [b for b in _public_bodies(text, folded, out) + _institutions(text, folded, out) if not _overlapping(named, first, b.start, b.end)]
    if not named:
        return out
    named.sort(key=lambda e: e.start)
    starts = [n.start for n in named]
    kept = [e for e in out if not _overlapping(named, starts, e.start, e.end)]  # the ORGs the names replace go
    return _rules(text, folded, kept + named)


def _rules(text: str, folded: str, entities: Sequence[Entity]) -> list[Entity]:
    ents = _split_parallel(text, folded, _join_pieces(text, folded, sorted(entities, key=lambda e: e.start)))
    # what is no entity at all goes first, so that a METRIC's coordinated items never stop at it; only
    # a METRIC's rules look at the other entities, so the others are decided here, once
    decided = [(e, None if e.label == "METRIC" else _apply(folded, ents, i)) for i, e in enumerate(ents)]
    decided = [(e, changed) for e, changed in decided if e.label == "METRIC" or changed is not None]
    ents = [e for e, _ in decided]
    starts = [e.start for e in ents]
    out: list[Entity] = []
    absorbed = -1  # entities up to this index lie inside one that grew to the right
    for i, (e, changed) in enumerate(decided):
        if e.label == "METRIC":
            changed = _apply(folded, ents, i)
        if i <= absorbed or changed is None:
            continue
        start, end, label = changed
        if (start, end, label) != (e.start, e.end, e.label):
            if label == "GROWTH_RATE" and out and out[-1].label in _NAMES and out[-1].start < start < out[-1].end:
                words = _COMPARISON.match(folded, start)
                if words and out[-1].end <= words.end():  # 国内生产总值比 | 增长12%: 比 goes to the change
                    prev = out[-1]
                    out[-1] = Entity(prev.start, start, prev.label, text[prev.start : start], prev.score)
            tail = len(out)
            while tail and out[tail - 1].end > start:
                tail -= 1
            last = bisect_left(starts, end) - 1  # the last entity that starts before the new end
            if all(o.start >= start for o in out[tail:]) and (last <= i or ents[last].end <= end):
                del out[tail:]  # wholly inside the changed entity
                absorbed = max(absorbed, last)
                e = Entity(start, end, label, text[start:end], e.score)
        out.append(e)
    return _with_values(folded, _outside_titles(folded, out))


def _outside_titles(folded: str, entities: list[Entity]) -> list[Entity]:
    """The entities less those inside a document title (《中共福建省委关于…的建议》): a name that only
    occurs in a longer title is no entity. One that is the whole title stays."""
    titles = [m.span() for m in _TITLE.finditer(folded)]
    if not titles:
        return entities
    starts = [a for a, _ in titles]

    def inside(e: Entity) -> bool:
        k = bisect_right(starts, e.start) - 1  # the last title opening before the entity
        return k >= 0 and e.end < titles[k][1] and (e.start, e.end) != (titles[k][0] + 1, titles[k][1] - 1)

    return [e for e in entities if not inside(e)]


def _publishers(text: str, folded: str, entities: list[Entity]) -> list[Entity]:
    """The publishing body of a metadata header (发布机构: 新浦镇), an ORG by the guidelines, where none
    of `entities` lies. The rule is sure of it: score 1; the other rules then apply to it as to any."""
    starts = [e.start for e in entities]
    return [
        Entity(m.start(1), m.end(1), "ORG", text[m.start(1) : m.end(1)], 1.0)
        for m in _PUBLISHER.finditer(folded)
        if not _overlapping(entities, starts, m.start(1), m.end(1))
    ]


def _public_bodies(text: str, folded: str, entities: list[Entity]) -> list[Entity]:
    """Government departments (省财政厅, 市交通局, 市自规局, 国家发展改革委), a town's government and
    party bodies (镇党委, 镇人大主席团, 街道办事处), and a town's service bodies that begin a clause
    and are rated or act (街道专职消防队被评为…, 镇审批服务中心荣获…): ORGs by the
    guidelines, which a town's report names once or twice, too rarely for the model to learn each.
    Added where nothing lies but the model's own ORGs inside them (市教育 | 局, or the whole name
    below its floor), which they replace; where two such names overlap, the longer. The rule is sure
    of them: score 1."""
    starts = [e.start for e in entities]
    found = sorted(
        (m.span() for pattern in (_DEPARTMENT, _TOWN_BODY, _TOWN_GOVERNMENT) for m in pattern.finditer(folded)),
        key=lambda span: (span[0], -span[1]),
    )
    out: list[Entity] = []
    for a, b in found:
        if out and a < out[-1].end:
            continue  # inside or across the one before (镇财政局 in 镇财政局服务所)
        if all(e.label == "ORG" and e.score < 1 and a <= e.start and e.end <= b for e in _overlapping(entities, starts, a, b)):
            out.append(Entity(a, b, "ORG", text[a:b], 1.0))
    return out


def _institutions(text: str, folded: str, entities: list[Entity]) -> list[Entity]:
    """The schools and hospitals the model called ORG, at any score (卫前幼儿园 0.67, 新浦成校 0.49):
    its label already says the place exists and acts (one being built it calls PROJECT), and the
    kind word after a proper name leaves little doubt that it is one body. The rule is sure: score 1."""
    return [
        Entity(e.start, e.end, "ORG", e.text, 1.0)
        for e in entities
        if e.label == "ORG" and e.score < 1 and _INSTITUTION.fullmatch(folded, e.start, e.end)
        and not is_kind_or_event(folded, e.start, e.end)
    ]


def _overlapping(entities: Sequence[Entity], starts: Sequence[int], a: int, b: int) -> Sequence[Entity]:
    """The entities (sorted, not overlapping; `starts` theirs) that overlap [a, b)."""
    first = max(bisect_right(starts, a) - 1, 0)  # the last one starting at or before a may reach into it
    return [e for e in entities[first : bisect_left(starts, b)] if e.end > a]


def _listed_companies(text: str, folded: str, entities: list[Entity]) -> list[Entity]:
    """The companies of a list before 等…企业 (公牛、罗特等8家企业; 支持天兵科技、天章卫星等商业航天企业):
    ORGs, as the guidelines mark listed items that are names. National reports list trades the same
    way (采煤、发电、冶炼、化工等企业), so a list counts once the model tagged an item ORG (at any
    score), an item is a name and a company's type word (森工集团), or no item is a word of jieba's
    dictionary (超聚变、许继、平高). Before 等…项目 only such items
    are taken (垠雨科技、悦达电子等3个项目: a company standing for its project); the others may be
    projects. Added where nothing lies but ORGs the model found in the list (unsure, or several
    items as one: 福贝贝、益达), which they replace. The rule is sure of them: score 1."""
    found, starts = [], [e.start for e in entities]  # sorted, not overlapping
    for m in _LISTED.finditer(folded):
        near = _overlapping(entities, starts, m.start(1), m.end(1))
        listed = [e for e in near if m.start(1) <= e.start and e.end <= m.end(1) and e.label == "ORG" and e.score < 1]
        pos, items = m.start(1), []
        for item in m.group(1).split("、"):
            items.append((pos, pos + len(item)))
            pos += len(item) + 1
        a, b = items[0]
        if verb := _LEADING_VERB.match(folded, a, b):  # 支持 | 超聚变
            items[0] = (verb.end(), b)
        named = (
            any(e.label == "ORG" for e in near)
            or any(_company_type_ends(folded, a, b) for a, b in items)
            or all(_not_a_word(folded[a:b]) for a, b in items)
        )
        if m.group(2) != "项目" and not named:
            continue  # a list of trades (工业、商业、运输等企业) until the model, a type word or jieba shows names
        for a, b in items:
            if not 2 <= b - a <= _LISTED_ITEM or any(c.isdigit() for c in folded[a:b]):
                continue
            if m.group(2) == "项目" and not _company_type_ends(folded, a, b):
                continue
            if all(e in listed for e in _overlapping(entities, starts, a, b)):
                found.append(Entity(a, b, "ORG", text[a:b], 1.0))
    return found


def _not_a_word(item: str) -> bool:
    """Whether a listed item reads as a name to jieba's dictionary: it falls apart into single
    characters somewhere (超 | 聚变, 许 | 继, 桔子 | 数 | 科), or is one word jieba calls a name (比亚迪,
    `nr`). Trades are words, one or several (采煤, 化工, 网络 | 货运, 卫星 | 研发 | 制造)."""
    words = pos_words(item)
    return any(len(word) == 1 for word, _ in words) or len(words) == 1 and words[0][1] in ("nr", "nz", "nt")


def _company_type_ends(folded: str, a: int, b: int) -> bool:
    """Whether folded[a:b] is a name and a company's type word after it (健仕 | 科技; not 房地产)."""
    return (kind := _COMPANY_END.search(folded, a, b)) is not None and kind.start() - a >= 2


def before_their_values(text: str, entities: Sequence[Entity]) -> list[bool]:
    """For each of `entities` (of `text`), whether it is a METRIC right before its value: a number
    entity follows it right away or after a linking verb only (地区生产总值 | 150亿元, 签约率 | 达 | 97.6%)."""
    number_starts = sorted(e.start for e in entities if e.label in _NUMBERS)
    return [e.label == "METRIC" and _before_a_number(text, e, number_starts) for e in entities]


def _before_a_number(text: str, metric: Entity, number_starts: Sequence[int]) -> bool:
    k = bisect_left(number_starts, metric.end)
    if k == len(number_starts) or number_starts[k] - metric.end > _LINK_REACH:
        return False
    return _LINK.fullmatch(normalize_text(text[metric.end : number_starts[k]])) is not None


def _with_values(folded: str, entities: list[Entity]) -> list[Entity]:
    """The entities less the METRICs whose sentence has no value: no number entity and no digit."""
    if not any(e.label == "METRIC" for e in entities):
        return entities
    ends = [m.end() for m in _SENTENCE_END.finditer(folded)]
    valued = {bisect_right(ends, e.start) for e in entities if e.label in _NUMBERS}
    valued.update(bisect_right(ends, m.start()) for m in _DIGIT.finditer(folded))
    return [e for e in entities if e.label != "METRIC" or bisect_right(ends, e.start) in valued]


def _join_pieces(text: str, folded: str, entities: list[Entity]) -> list[Entity]:
    """Touching pieces of one entity, joined: a relative magnitude cut in two (15个 | 百分点), and a
    name cut after the 、 of a shared head or inside brackets (杭州湾引水工程（ | 观海卫段）)."""
    joined: list[Entity] = []
    for e in entities:
        prev = joined[-1] if joined else None
        if prev is not None and prev.end == e.start and (
            {prev.label, e.label} <= set(_NUMBERS) and _RELATIVE.fullmatch(folded, prev.start, e.end)
            or prev.label == e.label in _NAMES
            and (prev.label in _NEVER_TOUCH or folded[prev.end - 1] == "、" or _unmatched(folded[prev.start : prev.end])[0])
        ):
            label = "GROWTH_RATE" if "GROWTH_RATE" in (prev.label, e.label) else prev.label
            joined[-1] = Entity(prev.start, e.end, label, text[prev.start : e.end], min(prev.score, e.score))
        else:
            joined.append(e)
    return joined


def _split_parallel(text: str, folded: str, entities: list[Entity]) -> list[Entity]:
    """A METRIC that joins complete indicator names of one kind (全社会用电量、西电东送电量;
    生产安全死亡事故起数和死亡人数: each ends in the same character and is a name by itself) is one
    METRIC per name, as the guidelines mark them; items that share a head stay one (户籍人口、流动人口排查率)."""
    out: list[Entity] = []
    for e in entities:
        names = _parallel_names(folded, e.start, e.end) if e.label == "METRIC" else None
        out += [Entity(a, b, e.label, text[a:b], e.score) for a, b in names] if names else [e]
    return out


def _parallel_names(folded: str, start: int, end: int) -> list[tuple[int, int]] | None:
    """The (start, end) of each item of `start`..`end` when it joins complete indicator names of one
    kind (each ends in the same character, in 率, 额, 量, 数…), else None."""
    cuts = [m.start() for m in _PARALLEL.finditer(folded, start, end)]
    edges = list(zip([start] + [c + 1 for c in cuts], cuts + [end]))
    if cuts and all(b - a >= 2 and _COMPLETE_ITEM.search(folded, a, b) for a, b in edges) and len({folded[b - 1] for _, b in edges}) == 1:
        return edges
    return None


def _unmatched(s: str) -> tuple[list[int], list[int]]:
    """Positions in `s` of openers without their closer, and of closers without their opener."""
    opened, lone = [], []
    for i, c in enumerate(s):
        if c in _PAIRS:
            opened.append(i)
        elif c in _OPENERS:
            if opened and s[opened[-1]] == _OPENERS[c]:
                opened.pop()
            else:
                lone.append(i)
    return opened, lone


def _balance(folded: str, start: int, end: int) -> tuple[int, int]:
    """A name without enclosing quotes or brackets, reaching the other half of a pair it holds one of."""
    while end > start:  # a lone bracket or quote is nothing
        opened, lone = _unmatched(folded[start:end])
        if _PAIRS.get(folded[start]) == folded[end - 1] and _unmatched(folded[start + 1 : end - 1]) == ([], []):
            start, end = start + 1, end - 1  # “坎墩智巢” → 坎墩智巢: enclosing marks stay out
        elif lone == [end - start - 1] and not opened:
            end -= 1
        elif opened == [0] and not lone:
            start += 1
        else:
            break
    opened, lone = _unmatched(folded[start:end])
    if lone and not opened:  # 临海·溪山有道”片区共富项目 → “临海·溪山有道”片区共富项目
        k = folded.rfind(_OPENERS[folded[start + lone[0]]], max(0, start - _BRACKET_REACH), start)
        start = k if k >= 0 else start
    elif opened and not lone:  # 杭州湾引水工程（观海卫段 → 杭州湾引水工程（观海卫段）
        k = folded.find(_PAIRS[folded[start + opened[-1]]], end, end + _BRACKET_REACH)
        end = k + 1 if k >= 0 else end
    return start, end


def _clean_edges(folded: str, start: int, end: int) -> tuple[int, int] | None:
    """`start`, `end` without punctuation at either edge and with brackets and quotes balanced,
    until nothing changes (a bracket left out may bare punctuation: …:》); None when nothing is left."""
    seen: set[tuple[int, int]] = set()
    while (start, end) not in seen:
        seen.add((start, end))
        while start < end and folded[end - 1] in _EDGE_PUNCTUATION:
            end -= 1
        while start < end and folded[start] in _EDGE_PUNCTUATION:
            start += 1
        start, end = _balance(folded, start, end)
        if start == end:  # nothing but punctuation, or an empty pair of brackets or quotes
            return None
    return start, end


def is_person(folded: str, start: int, end: int) -> bool:
    """Whether folded[start:end] is a person or a title, not an organization: 江泽民主席, 全国政协委员,
    胡锦涛 | 同志, 省政协 | 委员, 宋金平 | 评选为…道德模范, 本报记者 | 朱江 | 摄."""
    return (
        _PERSON.search(folded, start, end) is not None
        or folded.startswith("同志", end)
        or _MEMBER_AFTER.match(folded, end) is not None
        or end - start <= _PERSON_NAME and _HONOURED.match(folded, end) is not None
        or _BYLINE_BEFORE.search(folded, max(0, start - 4), start) is not None
        or _BYLINE_AFTER.match(folded, end) is not None
    )


def is_kind_or_event(folded: str, start: int, end: int) -> bool:
    """Whether folded[start:end] names a kind of body (高校, 各级人民政府) or an event (上海世博会), not
    one organization."""
    return _GENERIC_ORG.fullmatch(folded, start, end) is not None or _EVENT.search(folded, start, end) is not None


def _whole_fractions(folded: str, start: int, end: int) -> tuple[int, int]:
    """`start`, `end` moved out to the edges of a fraction in Chinese numerals that they cut, as the
    model often cuts them (增长百分之十 | 八, 三分 | 之一, 百分之 | 二十一点一)."""
    for m in _CN_FRACTION.finditer(folded, max(0, start - 12), min(len(folded), end + 12)):
        if m.start() < end and start < m.end():  # the fraction and the span overlap
            start, end = min(start, m.start()), max(end, m.end())
    return start, end


def _counted_over(folded: str, ents: Sequence[Entity], i: int, start: int, end: int) -> bool:
    """Whether the METRIC `ents[i]` (now `start`..`end`) takes in the count right before it: 14类 |
    场所总覆盖率 | 98.4%, 89个 | 开发区…比重 | 达 | 78%. Only a count of things (个, 种, 类…) touching a
    rate or share, the set it is taken over, and only when the name has its own value right after it.
    Other names keep their counts apart: 191家 | 工业企业营业收入超百亿元 counts firms, and
    1000万元 | 留才基金 is a value."""
    prev, following = ents[i - 1], ents[i + 1] if i + 1 < len(ents) else None
    return (
        _RATIO_NAME.search(folded, start, end) is not None
        and prev.label == "AMOUNT"
        and prev.end == start
        and _COUNTED.fullmatch(folded, prev.start, start) is not None
        and following is not None
        and following.label in _NUMBERS
        and 0 <= following.start - end <= _LINK_REACH
        and _LINK.fullmatch(folded, end, following.start) is not None
    )


def _coordinated_start(folded: str, start: int, ents: Sequence[Entity], i: int) -> int:
    """Where the coordinated items before a METRIC's head begin (户籍人口、 | 流动人口排查率): back over
    each item after a 、 that has no digits, is not a complete name itself (接待游客人次), begins right
    after punctuation within a few characters, and is either untagged or one METRIC or PROJECT the
    model cut off by itself (`ents[i]` is the METRIC; entities before it are taken in whole or not
    at all, and an ORG never: 公牛、韩电产值 are two companies)."""
    first, j = start, i - 1  # ents[j]: the nearest entity not yet taken in
    while folded[first - 1 : first] == "、":
        if j >= 0 and ents[j].end == first - 1 and ents[j].label in ("METRIC", "PROJECT"):
            k = ents[j].start  # a piece the model tagged by itself (基本养老保险、 | 基本医疗保险参保率)
            j -= 1
        else:
            k, limit = first - 1, ents[j].end if j >= 0 else 0
            while k > limit and first - 1 - k < _ITEM_REACH and folded[k - 1] not in _EDGE_PUNCTUATION:
                k -= 1
        item = folded[k : first - 1]
        begins_clause = k == 0 or folded[k - 1] in _EDGE_PUNCTUATION
        if not item or len(item) > _ITEM_REACH or not begins_clause:
            break
        if any(c.isdigit() for c in item) or _COMPLETE_ITEM.search(item):
            break
        first = k
    return first


def _as_location(folded: str, ents: Sequence[Entity], i: int, end: int) -> bool:
    """Whether the PROJECT `ents[i]` (now ending at `end`) is named as a place: it ends in 沿线, 两侧…,
    or they follow it or the last of the PROJECTs listed after it (A、B和C的沿线), none of them works
    (永安东路改造)."""
    if _LOCATION_END.search(folded, ents[i].start, end):
        return True
    if _WORKS_END.search(folded, ents[i].start, end):
        return False
    while not _LOCATION.match(folded, end):
        nxt = ents[i + 1] if i + 1 < len(ents) else None
        if nxt is None or nxt.label != "PROJECT" or not _PARALLEL.fullmatch(folded, end, nxt.start):
            return False
        if _WORKS_END.search(folded, nxt.start, nxt.end):
            return False  # 祝墩横路和永安东路改造 | 沿线: a list of works
        i, end = i + 1, nxt.end
    return True


def _bare_place(folded: str, start: int, end: int) -> bool:
    """Whether folded[start:end] is a place name and nothing more (新城, 豫东平原, 慈溪市, 贵阳 | 、黔南抽水
    蓄能电站): one word that jieba calls a place (`ns`), with or without its level, not ending in a
    character of works (桃园路, 丹江口水库)."""
    if folded[end - 1] in _WORKS_CHARS:
        return False
    level = _PLACE_LEVEL.search(folded, start + 2, end)
    for name in (folded[start:end], folded[start : level.start()] if level else ""):  # 慈溪市 is a place, 慈溪 a person to jieba
        words = pos_words(name)
        if len(words) == 1 and words[0][1] == "ns":
            return True
    return False


def _route_start(folded: str, start: int) -> int:
    """Where a route's name begins when the model started it at its second place (宁波至 | 慈溪市域铁路,
    宁波 | 至 | 慈溪市域铁路项目): at the place name before 至 or 到 (jieba calls it `ns`); else `start`."""
    if start < 3 or folded[start - 1] not in "至到":
        return start
    words = pos_words(folded[max(0, start - 1 - _ROUTE_REACH) : start - 1])
    if words and words[-1][1] == "ns" and len(words[-1][0]) >= 2:
        return start - 1 - len(words[-1][0])
    return start


def _apply(folded: str, ents: Sequence[Entity], i: int) -> tuple[int, int, str] | None:
    """(start, end, label) of `ents[i]` after the rules, or None when it is not an entity."""
    e = ents[i]
    start, end, label = e.start, e.end, e.label
    if (edges := _clean_edges(folded, start, end)) is None:
        return None
    start, end = edges
    if label in _NUMBERS:
        if folded.endswith("百分", start, end) and folded.startswith("点", end):  # 4.6个百分 | 点
            end += 1
        start, end = _whole_fractions(folded, start, end)
        if (percent := _PERCENT_TAIL.search(folded, start, end)) and percent.start() > start:
            end = percent.start() + 1  # 70% | 村卫生室: nothing but a range follows a percent sign in a number
    if label in _NUMBERS and (time := _TIME.match(folded, start)):
        if not _MAGNITUDE.search(folded, time.end(), end):  # 2022年, 24小时: a time and nothing more
            return None
        start = time.end()  # 5年 | 增长18.7%: the period is left out, the change stays
    if label in _NUMBERS and start and (words := _COMPARISON.match(folded, start - 1)) and words.end() > start:
        start -= 1  # 比 | 上年增长6%: the comparison word is whole
    if label == "GROWTH_RATE" and not _MAGNITUDE.search(folded, start, end):
        return None
    if label == "METRIC":
        start = _coordinated_start(folded, start, ents, i)
        for qualifier in _KEPT_QUALIFIER.finditer(folded, max(0, start - 6), min(end, start + 6)):
            if qualifier.start() < start <= qualifier.end() < end:  # right before the name, or cut inside it
                start = qualifier.start()
        if (words := _NOT_OF_NAME.match(folded, start, end)) and end - words.end() >= 2:
            start = words.end()
        if (share := _SHARE_VERB.search(folded, start, end)) and share.start() - start >= 2:  # no gold name ends in 占
            if whole := _SHARE_OF.match(folded, end):
                end = whole.end()
            elif (edges := _clean_edges(folded, start, share.start())) is None:  # X, | 占: the comma goes too
                return None
            else:
                start, end = edges
        if (verb := _CHANGE_VERB.search(folded, start, end)) and verb.start() - start >= 2:
            end = verb.start()
        if (adverb := _CHANGE_ADVERB.search(folded, start, end)) and adverb.start() - start >= 2:
            end = adverb.start()
        elif end - start > 3 and _CHANGE_ADVERB.match(folded[end - 1 : end + 1]):
            end -= 1  # 零售额合 | 计增长15.7%: the adverb was cut, its first half goes too
        if i and _counted_over(folded, ents, i, start, end):
            start = ents[i - 1].start
    if label in _NAMES:
        while folded[start - 1 : start] == _MASK:  # *中心卫生院: the masked place name is part of the name
            start -= 1
        while end - start > 2 and folded[end - 1] in "与和及或":  # 国泰君安与 | 海通证券: no name ends in a conjunction
            end -= 1
    if label == "PROJECT":
        start = _route_start(folded, start)
    if label == "PROJECT" and (works := _WORKS_NOUN.match(folded, end)):
        end = works.end()
    if label == "PROJECT" and (event := _WORKS_EVENT.search(folded, start, end)) and event.start() - start >= 2:
        end = event.start()  # 三塘头特色村 | 进场: what happens to the works is not part of their name
    if label == "PROJECT" and _COMPANY_END.search(folded, start, end):
        label = "ORG"
    if label == "PROJECT" and _as_location(folded, ents, i, end):
        return None  # 祝墩横路、周胜线和新城大道的沿线面貌: roads mentioned as where something lies (guidelines)
    if label == "PROJECT" and (_BARE_VILLAGE.fullmatch(folded, start, end) or _bare_place(folded, start, end)):
        return None  # 西街村, 五塘新村: a place mentioned as one (guidelines), not a named scheme
    if label == "ORG" and _MEETING.match(folded, end):
        return None  # 省委 | 十一届九次全会: a body named in its meeting's name
    if label == "ORG" and (is_person(folded, start, end) or is_kind_or_event(folded, start, end)):
        return None  # people, kinds of body and events are no organizations (guidelines)
    if label == "GROWTH_RATE" and (reached := _REACHED.search(folded, start, end) or _LEVEL_WORD.match(folded, start, end)):
        start, label = reached.end(), "AMOUNT"  # 上升为 | 百分之五十二点八, 为 | 百分之四十一点五: a level (提升至55% → 55%)
    if label == "AMOUNT":
        if (lead := _LEVEL_WORD.match(folded, start, end)) and lead.end() < end:  # 约 | 一亿, 为 | 百分之四十
            start = lead.end()
        if folded[start - 1 : start] == "第" or _NO_QUANTITY.fullmatch(folded, start, end) or not _NUMERAL.search(folded, start, end):
            return None  # 第一批; 96178; 每户, 几项: no number, no quantity
        if per := _PER_UNIT.match(folded, end - (folded[end - 1] == "/")):  # 796元 | /月, or 796元/ | 月
            end = per.end()
    if label in _NUMBERS:
        own = _CHANGE_AHEAD.match(folded, start, end)
        number = own.end() if own else start  # after the span's own change words, if it has them
        if _RELATIVE.fullmatch(folded, number, end):
            if words := _CHANGE_BEFORE.search(folded, max(0, number - _LOOKBEHIND), number):
                start, label = min(start, words.start()), "GROWTH_RATE"
            elif i and ents[i - 1].label == "GROWTH_RATE" and _PARALLEL.fullmatch(folded, ents[i - 1].end, start):
                label = "GROWTH_RATE"  # 同比下降18.18%、8.02%: one direction word for several values
    return start, end, label
