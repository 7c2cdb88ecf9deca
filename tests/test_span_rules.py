"""Guideline rules after decoding: hand-checked sentences, and no gold span is ever changed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ner.entity import Entity
from ner.span_rules import apply_span_rules


def ents(text: str, *spans: tuple[str, str]) -> list[Entity]:
    """Entities for each (span text, label), found left to right in `text`."""
    out, pos = [], 0
    for piece, label in spans:
        start = text.index(piece, pos)
        out.append(Entity(start, start + len(piece), label, piece, 0.9))
        pos = start + len(piece)
    return out


def rules(text: str, *spans: tuple[str, str]) -> list[tuple[str, str]]:
    return [(e.text, e.label) for e in apply_span_rules(text, ents(text, *spans))]


@pytest.mark.parametrize(
    "text, predicted, expected",
    [
        # a relative magnitude right after a direction word is a change, with its comparison word
        ("断面优良水体比例提升4.6个百分点。", [("4.6个百分点", "AMOUNT")], [("提升4.6个百分点", "GROWTH_RATE")]),
        ("实现产值5亿元，同比增长18.46%。", [("5亿元", "AMOUNT"), ("18.46%", "AMOUNT")],
         [("5亿元", "AMOUNT"), ("同比增长18.46%", "GROWTH_RATE")]),
        ("收入比上年增长1.5倍", [("增长1.5倍", "GROWTH_RATE")], [("比上年增长1.5倍", "GROWTH_RATE")]),
        ("入企检查次数压减30%以上", [("30%", "AMOUNT")], [("压减30%", "GROWTH_RATE")]),
        ("服务贸易增长超过7%。", [("增长", "GROWTH_RATE"), ("7%", "GROWTH_RATE")], [("增长超过7%", "GROWTH_RATE")]),
        # levels reached, gaps, absolute increases and bare listed values stay as they are
        ("占比提升至55%", [("55%", "AMOUNT")], [("55%", "AMOUNT")]),
        ("增速高于全国8.5个百分点", [("8.5个百分点", "AMOUNT")], [("8.5个百分点", "AMOUNT")]),
        ("进规企业增加20家", [("20家", "AMOUNT")], [("20家", "AMOUNT")]),
        ("同比增长30.8%和32.1%", [("同比增长30.8%", "GROWTH_RATE"), ("32.1%", "GROWTH_RATE")],
         [("同比增长30.8%", "GROWTH_RATE"), ("32.1%", "GROWTH_RATE")]),
        # a magnitude cut in two is one; a growth rate without a magnitude is none
        ("比例达到65%、提高15个百分点", [("65%", "AMOUNT"), ("15个", "AMOUNT"), ("百分点", "AMOUNT")],
         [("65%", "AMOUNT"), ("提高15个百分点", "GROWTH_RATE")]),
        ("出口逆势增长17.8%", [("逆势", "GROWTH_RATE"), ("增长17.8%", "GROWTH_RATE")], [("增长17.8%", "GROWTH_RATE")]),
        ("实现翻番", [("翻番", "GROWTH_RATE")], [("翻番", "GROWTH_RATE")]),
        # ordinals and times are not entities; yen are money
        ("增速居全国第4位", [("4位", "AMOUNT")], []),
        # neither are bare numbers and ranks; a number in words and a unit after 大 are amounts
        ("拨打“96178”热线", [("96178", "AMOUNT")], []),
        ("等16个预期性指标", [("16", "AMOUNT")], []),
        ("投资世界500强企业、全国百强县", [("500强", "AMOUNT"), ("百强", "AMOUNT")], []),
        ("5大支柱产业迈入万亿级规模", [("5大", "AMOUNT"), ("万亿", "AMOUNT")], [("万亿", "AMOUNT")]),
        ("基础技能等6大类10期专题培训", [("6大类", "AMOUNT"), ("10期", "AMOUNT")], [("6大类", "AMOUNT"), ("10期", "AMOUNT")]),
        ("连续24个月保持两位数增长", [("24个", "AMOUNT")], []),
        ("用电负荷129天超1亿千瓦", [("129天", "AMOUNT"), ("1亿千瓦", "AMOUNT")], [("1亿千瓦", "AMOUNT")]),
        ("5年增长18.7%", [("5年", "GROWTH_RATE"), ("增长18.7%", "GROWTH_RATE")], [("增长18.7%", "GROWTH_RATE")]),
        ("5年增长18.7%", [("5年增长18.7%", "GROWTH_RATE")], [("增长18.7%", "GROWTH_RATE")]),  # the period left out
        ("5年内完成", [("5年内", "AMOUNT")], []),  # a time and nothing more
        # a change keeps its comparison word whole
        ("农民人均收入比上年增长15%", [("上年增长15%", "GROWTH_RATE")], [("比上年增长15%", "GROWTH_RATE")]),
        ("日方投资3000日元", [("3000日元", "AMOUNT")], [("3000日元", "AMOUNT")]),
        # a rate per something is one amount
        ("标准从796元/月提高至842元/月", [("796元", "AMOUNT"), ("842元", "AMOUNT")],
         [("796元/月", "AMOUNT"), ("842元/月", "AMOUNT")]),
        ("浓度降至27微克/立方米", [("27微克", "AMOUNT")], [("27微克/立方米", "AMOUNT")]),
        ("完成1/3以上", [("1/3", "AMOUNT")], [("1/3", "AMOUNT")]),
        ("标准从796元/月提高至842元/月", [("796元/", "AMOUNT"), ("842元/", "AMOUNT")],  # stopped after the /
         [("796元/月", "AMOUNT"), ("842元/月", "AMOUNT")]),
        # a number ends at its percent sign unless a range goes on
        ("，70%村卫生室实现", [("70%村", "AMOUNT")], [("70%", "AMOUNT")]),
        ("，5%村卫生室实现", [("5%村", "AMOUNT")], [("5%", "AMOUNT")]),
        ("年均增长5%—5.5%", [("年均增长5%—5.5%", "GROWTH_RATE")], [("年均增长5%—5.5%", "GROWTH_RATE")]),
        # a magnitude cut inside 个百分点 takes in its 点, and is then a change after a direction word
        ("比例提升4.6个百分点、改善幅度", [("4.6个百分", "AMOUNT")], [("提升4.6个百分点", "GROWTH_RATE")]),
        ("高于全国0.4个百分点", [("0.4个百分", "AMOUNT")], [("0.4个百分点", "AMOUNT")]),
        # no entity begins or ends with punctuation; names keep inner quotes and brackets whole
        ("实现150.06亿元，同比", [("150.06亿元，", "AMOUNT")], [("150.06亿元", "AMOUNT")]),
        ("数据（）缺失", [("（）", "AMOUNT")], []),  # an empty pair of brackets is no entity (found by hypothesis)
        ("引进，公牛、韩电", [("，公牛", "ORG"), ("韩电", "ORG")], [("公牛", "ORG"), ("韩电", "ORG")]),
        ("完成。", [("。", "ORG")], []),
        ("杭州湾引水工程（观海卫段）完成", [("杭州湾引水工程（", "PROJECT"), ("观海卫段）", "PROJECT")],
         [("杭州湾引水工程（观海卫段）", "PROJECT")]),
        ("杭州湾引水工程（观海卫段）完成", [("杭州湾引水工程（观海卫段", "PROJECT")], [("杭州湾引水工程（观海卫段）", "PROJECT")]),
        ("积极谋划“临海·溪山有道”片区共富项目", [("临海·溪山有道”片区共富项目", "PROJECT")],
         [("“临海·溪山有道”片区共富项目", "PROJECT")]),
        ("打造“坎墩智巢”", [("“坎墩智巢”", "PROJECT")], [("坎墩智巢", "PROJECT")]),
        ("新增保障性租赁住房3.8万套（间），", [("3.8万套（", "AMOUNT")], [("3.8万套（间）", "AMOUNT")]),
        ("打造“坎墩智巢”", [("坎墩智巢”", "PROJECT")], [("坎墩智巢", "PROJECT")]),
        ("东山头村、五里村村级工业集聚区提升工程稳步推进", [("东山头村、", "PROJECT"), ("五里村村级工业集聚区提升工程", "PROJECT")],
         [("东山头村、五里村村级工业集聚区提升工程", "PROJECT")]),
        ("公牛、韩电", [("公牛", "ORG"), ("韩电", "ORG")], [("公牛", "ORG"), ("韩电", "ORG")]),
        # no two gold METRIC or PROJECT spans touch, so touching pieces are one; two ORGs may touch
        ("计划总投资4935万元", [("计划", "METRIC"), ("总投资", "METRIC"), ("4935万元", "AMOUNT")],
         [("计划总投资", "METRIC"), ("4935万元", "AMOUNT")]),
        ("市委市政府", [("市委", "ORG"), ("市政府", "ORG")], [("市委", "ORG"), ("市政府", "ORG")]),
        # an indicator keeps the qualifiers of its name (also when cut inside one) and drops a leading action verb
        ("其中,规模以上工业企业产值120.3亿元", [("规模", "METRIC"), ("工业企业产值", "METRIC"), ("120.3亿元", "AMOUNT")],
         [("规模以上工业企业产值", "METRIC"), ("120.3亿元", "AMOUNT")]),
        ("实现全社会固定资产投资7.1亿元", [("社会固定资产投资", "METRIC")], [("全社会固定资产投资", "METRIC")]),
        ("力争完成实际利用外资900万美元", [("利用外资", "METRIC")], [("实际利用外资", "METRIC")]),
        ("居民人均可支配收入实际增长4.4%", [("居民人均可支配收入", "METRIC")], [("居民人均可支配收入", "METRIC")]),
        ("全年投入资金500余万元", [("投入资金", "METRIC")], [("资金", "METRIC")]),
        ("共投資1900萬元", [("共投資", "METRIC")], [("投資", "METRIC")]),
        ("共募集慈善捐款1000余万元", [("共募集慈善捐款", "METRIC")], [("慈善捐款", "METRIC")]),
        ("完成率达90%", [("完成率", "METRIC")], [("完成率", "METRIC")]),  # the verb is the name
        ("确保全镇失业率控制在2.5%", [("全镇失业率", "METRIC")], [("失业率", "METRIC")]),
        ("发放各类农户小额贷款1000余万元", [("发放各类农户小额贷款", "METRIC")], [("农户小额贷款", "METRIC")]),
        ("居民人均可支配收入实际增长4.4%", [("居民人均可支配收入实际", "METRIC"), ("增长4.4%", "GROWTH_RATE")],
         [("居民人均可支配收入", "METRIC"), ("增长4.4%", "GROWTH_RATE")]),
        ("全社会用电量增长5%", [("全社会用电量", "METRIC")], [("全社会用电量", "METRIC")]),  # 全社会 is no scope word
        ("城镇居民人均生活费收入增加910元", [("城镇居民人均生活费收入增加", "METRIC"), ("910元", "AMOUNT")],
         [("城镇居民人均生活费收入", "METRIC"), ("910元", "AMOUNT")]),  # an absolute increase stays AMOUNT
        ("规上民营工业增加值增速高于全部规上工业2.3个百分点", [("规上民营工业增加值增速", "METRIC")],
         [("规上民营工业增加值增速", "METRIC")]),  # 增速, 增幅 are names
        ("共同富裕指数达0.8", [("共同富裕指数", "METRIC")], [("共同富裕指数", "METRIC")]),  # 共 only before 投资
        ("全年投入资金500余万元", [("全年投入资金", "METRIC")], [("资金", "METRIC")]),
        ("增加值增长5%", [("增加值", "METRIC")], [("增加值", "METRIC")]),
        ("完成投资", [("完成投资", "ORG")], [("完成投资", "ORG")]),  # METRIC only
        # a project's name takes in the works noun right after it, but not 工程师/工程款…
        ("完成新城幼儿园建设项目。", [("新城幼儿园", "PROJECT")], [("新城幼儿园建设项目", "PROJECT")]),
        ("沿山精品线改造提升工程完工", [("沿山精品线改造提升", "PROJECT")], [("沿山精品线改造提升工程", "PROJECT")]),
        ("卫前初中扩建工程續建項目", [("卫前初中扩建工程", "PROJECT")], [("卫前初中扩建工程續建項目", "PROJECT")]),
        ("支付湖滨路工程款", [("湖滨路", "PROJECT")], [("湖滨路", "PROJECT")]),
        ("引进公牛工程师", [("公牛", "ORG")], [("公牛", "ORG")]),
        ("公牛项目落地", [("公牛", "ORG")], [("公牛", "ORG")]),  # only a PROJECT takes it in
        # what happens to the works (建设, 进场, 开工, 达产…) is not part of their name; 建设项目 is
        ("加速推进环白洋湖绿道建设以及", [("环白洋湖绿道建设", "PROJECT")], [("环白洋湖绿道", "PROJECT")]),
        ("三塘头特色村进场施工", [("三塘头特色村进场施工", "PROJECT")], [("三塘头特色村", "PROJECT")]),
        ("裕龙石化一期稳产达产。", [("裕龙石化一期稳产达产", "PROJECT")], [("裕龙石化一期", "PROJECT")]),
        ("完成新城幼儿园建设项目", [("新城幼儿园建设", "PROJECT")], [("新城幼儿园建设项目", "PROJECT")]),
        ("大昌路综合提升", [("大昌路综合提升", "PROJECT")], [("大昌路综合提升", "PROJECT")]),
        # a bare company name standing for its project is an ORG; a company's project is not
        ("夏宝电器、贝联电器等4个项目开工", [("夏宝电器", "PROJECT"), ("贝联电器", "PROJECT")],
         [("夏宝电器", "ORG"), ("贝联电器", "ORG")]),
        ("恒耀實業进场施工", [("恒耀實業", "PROJECT")], [("恒耀實業", "ORG")]),
        ("夏宝电器项目开工", [("夏宝电器", "PROJECT")], [("夏宝电器项目", "PROJECT")]),
        ("公牛4亿套转换器投产", [("公牛4亿套转换器", "PROJECT")], [("公牛4亿套转换器", "PROJECT")]),
        ("健仕科技园开工", [("健仕科技园", "PROJECT")], [("健仕科技园", "PROJECT")]),
        # coordinated items before a METRIC's head are one span with it, back to the punctuation
        ("户籍人口、流动人口排查率均达100%", [("流动人口排查率", "METRIC")], [("户籍人口、流动人口排查率", "METRIC")]),
        ("，新能源汽车、智能家电、智能手机限上零售额增长12%", [("智能手机限上零售额", "METRIC")],
         [("新能源汽车、智能家电、智能手机限上零售额", "METRIC")]),
        ("实现制造业、普惠小微贷款余额3000亿元", [("普惠小微贷款余额", "METRIC")], [("制造业、普惠小微贷款余额", "METRIC")]),
        # also over items the model tagged by themselves as METRIC or PROJECT, but never over an ORG
        ("，基本养老保险、基本医疗保险参保率均达到95%", [("基本养老保险", "METRIC"), ("基本医疗保险参保率", "METRIC"), ("95%", "AMOUNT")],
         [("基本养老保险、基本医疗保险参保率", "METRIC"), ("95%", "AMOUNT")]),
        ("，新能源汽车、智能家电、智能手机限上零售额增长12%", [("新能源汽车", "PROJECT"), ("智能家电", "PROJECT"), ("智能手机限上零售额", "METRIC")],
         [("新能源汽车、智能家电、智能手机限上零售额", "METRIC")]),
        (",公牛、韩电产值分别首超30亿元", [("公牛", "ORG"), ("韩电产值", "METRIC"), ("30亿元", "AMOUNT")],
         [("公牛", "ORG"), ("韩电产值", "METRIC"), ("30亿元", "AMOUNT")]),
        ("，营业收入、利润总额分别增长5%和8%", [("营业收入", "METRIC"), ("利润总额", "METRIC")], [("营业收入", "METRIC"), ("利润总额", "METRIC")]),
        ("，杭州湾引水工程、区域供水投资额达2亿元", [("杭州湾引水工程", "PROJECT"), ("区域供水投资额", "METRIC")],
         [("杭州湾引水工程", "PROJECT"), ("区域供水投资额", "METRIC")]),
        # complete names of one kind joined by the model are one METRIC each
        ("，全社会用电量、西电东送电量分别增长10.6%、10.9%", [("全社会用电量、西电东送电量", "METRIC"), ("增长10.6%", "GROWTH_RATE"), ("10.9%", "GROWTH_RATE")],
         [("全社会用电量", "METRIC"), ("西电东送电量", "METRIC"), ("增长10.6%", "GROWTH_RATE"), ("10.9%", "GROWTH_RATE")]),
        ("，全市生产安全死亡事故起数和死亡人数分别下降3.6%和1.3%", [("生产安全死亡事故起数和死亡人数", "METRIC"), ("下降3.6%", "GROWTH_RATE"), ("1.3%", "GROWTH_RATE")],
         [("生产安全死亡事故起数", "METRIC"), ("死亡人数", "METRIC"), ("下降3.6%", "GROWTH_RATE"), ("1.3%", "GROWTH_RATE")]),
        ("，非化石能源发电量、用电量占比均超过30%", [("非化石能源发电量、用电量占比", "METRIC"), ("30%", "AMOUNT")],
         [("非化石能源发电量、用电量占比", "METRIC"), ("30%", "AMOUNT")]),
        # but not over an item that is a complete name itself, has a number, or runs on too long
        ("接待游客人次、游客总花费分别增长10%", [("游客总花费", "METRIC")], [("游客总花费", "METRIC")]),
        ("，装备制造业营收、利润分别增长8%和6%", [("利润", "METRIC")], [("利润", "METRIC")]),
        ("，5G基站、光纤用户数", [("光纤用户数", "METRIC")], [("光纤用户数", "METRIC")]),
        ("我们坚持以人民为中心不断完善养老、医疗保险参保率达95%", [("医疗保险参保率", "METRIC")],
         [("医疗保险参保率", "METRIC")]),
        ("，养老、医疗保险参保率", [("医疗保险参保率", "PROJECT")], [("医疗保险参保率", "PROJECT")]),  # METRIC only
        # a masked place name (*) right before a name is part of it; numbers keep their spans
        ("推进*中心卫生院迁建工程", [("中心卫生院迁建工程", "PROJECT")], [("*中心卫生院迁建工程", "PROJECT")]),
        ("华海药业*厂区原料药装备改造项目", [("厂区原料药装备改造项目", "PROJECT")], [("*厂区原料药装备改造项目", "PROJECT")]),
        ("投入*500万元", [("500万元", "AMOUNT")], [("500万元", "AMOUNT")]),
        # a body named in its meeting's name is no ORG; a body that holds a meeting is
        ("落实省委十一届九次、十次全会和省委经济工作会议部署", [("省委", "ORG"), ("省委", "ORG")], []),
        ("镇政府召开经济工作会议", [("镇政府", "ORG")], [("镇政府", "ORG")]),
        # people and their titles are no organizations; the bodies they belong to are
        ("坚持江泽民主席提出的八项主张", [("江泽民主席", "ORG")], []),
        ("在以胡锦涛同志为总书记的党中央坚强领导下", [("胡锦涛", "ORG"), ("党中央", "ORG")], [("党中央", "ORG")]),
        ("，并请全国政协委员提出意见", [("全国政协委员", "ORG")], []),
        ("，在镇人大主席团的监督下", [("镇人大主席团", "ORG")], [("镇人大主席团", "ORG")]),
        # no name ends in a conjunction
        ("，国泰君安与海通证券等四组企业", [("国泰君安与", "ORG"), ("海通证券", "ORG")], [("国泰君安", "ORG"), ("海通证券", "ORG")]),
        # a kind of body is no ORG; a named one is
        ("发挥高校、科研院所作用，支持各级人民政府", [("高校", "ORG"), ("科研院所", "ORG"), ("各级人民政府", "ORG")], []),
        ("引导大中型商业银行、会计师事务所", [("大中型商业银行", "ORG"), ("会计师事务所", "ORG")], []),
        ("办好上海世博会、广交会", [("上海世博会", "ORG"), ("广交会", "ORG")], []),
        ("，自治区人大代表建议", [("自治区", "ORG")], []),  # a level alone
        ("，向各民主党派、工商联、各人民团体", [("各民主党派", "ORG"), ("工商联", "ORG"), ("各人民团体", "ORG")], [("工商联", "ORG")]),
        ("支持浙江大学、镇人民政府", [("浙江大学", "ORG"), ("镇人民政府", "ORG")], [("浙江大学", "ORG"), ("镇人民政府", "ORG")]),
        # nothing inside a document title is an entity, unless it is the whole title
        ("根据《中共福建省委关于制定规划的建议》，", [("中共福建省委", "ORG")], []),
        ("印发《三年行动计划》，落实省委部署", [("三年", "AMOUNT"), ("省委", "ORG")], [("省委", "ORG")]),
        ("推动《坎墩智巢》入驻", [("坎墩智巢", "ORG")], [("坎墩智巢", "ORG")]),
        # an indicator needs a value or a change in its sentence: a number entity, or a digit the model missed
        ("生产安全事故起数、死亡人数“双下降”。", [("生产安全事故起数", "METRIC"), ("死亡人数", "METRIC")], []),
        ("着力提升消费对经济增长贡献率。社会消费品零售总额增长5%", [("消费对经济增长贡献率", "METRIC"), ("社会消费品零售总额", "METRIC")],
         [("社会消费品零售总额", "METRIC")]),
        ("三大产业对经济增长贡献超五成", [("对经济增长贡献", "METRIC"), ("五成", "AMOUNT")],
         [("对经济增长贡献", "METRIC"), ("五成", "AMOUNT")]),
        ("千人口托位数达4.7个", [("千人口托位数", "METRIC")], [("千人口托位数", "METRIC")]),
        ("推进新城大道建设", [("新城大道", "PROJECT")], [("新城大道", "PROJECT")]),  # names of other labels need no value
        # a share cut at 占 names its whole (through 比重/比例/份额), or ends before the 占
        ("，产业投资占全部投资比重达52.1%", [("产业投资占", "METRIC"), ("52.1%", "AMOUNT")],
         [("产业投资占全部投资比重", "METRIC"), ("52.1%", "AMOUNT")]),
        ("，产业民间投资占全部民间投资比重达66.5%", [("产业民间投资占", "METRIC"), ("民间投资比重", "METRIC"), ("66.5%", "AMOUNT")],
         [("产业民间投资占全部民间投资比重", "METRIC"), ("66.5%", "AMOUNT")]),
        ("，船舶海工出口规模占全国1/3以上", [("船舶海工出口规模占", "METRIC"), ("1/3", "AMOUNT")],
         [("船舶海工出口规模", "METRIC"), ("1/3", "AMOUNT")]),
        ("，制造业增加值占比保持基本稳定，增长5%", [("制造业增加值占", "METRIC"), ("增长5%", "GROWTH_RATE")],
         [("制造业增加值占比", "METRIC"), ("增长5%", "GROWTH_RATE")]),
        ("，私营工业则只占10%", [("私营工业则只占", "METRIC"), ("10%", "AMOUNT")], [("私营工业", "METRIC"), ("10%", "AMOUNT")]),
        # scope words that only say where are no part of an indicator's name
        ("，本镇户籍城乡居民养老保险参保率达98.1%", [("本镇户籍城乡居民养老保险参保率", "METRIC"), ("98.1%", "AMOUNT")],
         [("户籍城乡居民养老保险参保率", "METRIC"), ("98.1%", "AMOUNT")]),
        ("，我国关税总水平降至7.5%", [("我国关税总水平", "METRIC"), ("7.5%", "AMOUNT")], [("关税总水平", "METRIC"), ("7.5%", "AMOUNT")]),
        ("，减少收入的农户只占10%左右", [("农户只占", "METRIC"), ("10%", "AMOUNT")], [("农户", "METRIC"), ("10%", "AMOUNT")]),
        ("总占地330亩", [("总占地", "METRIC"), ("330亩", "AMOUNT")], [("总占地", "METRIC"), ("330亩", "AMOUNT")]),
        # a count right before a rate or share with its own value is the set it is taken over
        ("，14类场所总覆盖率98.4%", [("14类", "AMOUNT"), ("场所总覆盖率", "METRIC"), ("98.4%", "AMOUNT")],
         [("14类场所总覆盖率", "METRIC"), ("98.4%", "AMOUNT")]),
        ("，89个开发区规上工业总产值占全省比重达78%", [("89个", "AMOUNT"), ("开发区规上工业总产值占全省比重", "METRIC"), ("78%", "AMOUNT")],
         [("89个开发区规上工业总产值占全省比重", "METRIC"), ("78%", "AMOUNT")]),
        # but a count of things stays apart from other names, and so does a value
        ("，191家工业企业营业收入超百亿元", [("191家", "AMOUNT"), ("工业企业营业收入", "METRIC"), ("百亿元", "AMOUNT")],
         [("191家", "AMOUNT"), ("工业企业营业收入", "METRIC"), ("百亿元", "AMOUNT")]),
        ("成立1000万元留才基金", [("1000万元", "AMOUNT"), ("留才基金", "METRIC")], [("1000万元", "AMOUNT"), ("留才基金", "METRIC")]),
        ("，14类场所覆盖率不断提升", [("14类", "AMOUNT"), ("场所覆盖率", "METRIC")], [("14类", "AMOUNT"), ("场所覆盖率", "METRIC")]),
        # an AMOUNT needs a number: 每户, 几项 are none; 亿元 (a threshold) and 半数 are
        ("，平均每户一头半，以上几项合计", [("每户", "AMOUNT"), ("一头半", "AMOUNT"), ("几项", "AMOUNT")], [("一头半", "AMOUNT")]),
        ("，亿元以上项目过半数", [("亿元", "AMOUNT"), ("半数", "AMOUNT")], [("亿元", "AMOUNT"), ("半数", "AMOUNT")]),
        # the words before a level stay outside it (guidelines: 约, 近, 超, 达, 逾, 共)
        ("，城镇建成住宅约一亿平方米", [("约一亿平方米", "AMOUNT")], [("一亿平方米", "AMOUNT")]),
        ("，比重为百分之四十一点五", [("为百分之四十", "AMOUNT")], [("百分之四十一点五", "AMOUNT")]),
        # a level reached is an AMOUNT, whatever the model called it
        ("，一九五七年上升为百分之五十二点八。", [("上升为百分之五十二点八", "GROWTH_RATE")], [("百分之五十二点八", "AMOUNT")]),
        ("，占比提升至55%", [("提升至55%", "GROWTH_RATE")], [("55%", "AMOUNT")]),
        ("，占比提升至55%", [("55%", "AMOUNT")], [("55%", "AMOUNT")]),
        ("，一九五二年为百分之四十一点五", [("为百分之四十一点", "GROWTH_RATE")], [("百分之四十一点五", "AMOUNT")]),
        ("，工业增加值同比增长5%", [("同比增长5%", "GROWTH_RATE")], [("同比增长5%", "GROWTH_RATE")]),
        # a fraction in Chinese numerals is whole, however the model cut it
        ("，工业增加值增长百分之十八。", [("增长百分之十", "GROWTH_RATE")], [("增长百分之十八", "GROWTH_RATE")]),
        ("，工业增加值增长百分之二十一点一，", [("增长百分之", "GROWTH_RATE")], [("增长百分之二十一点一", "GROWTH_RATE")]),
        ("，开办时间缩短三分之一以上", [("三分", "AMOUNT")], [("三分之一", "AMOUNT")]),
        ("，其中百分之十八点四六来自", [("十八点四六", "AMOUNT")], [("百分之十八点四六", "AMOUNT")]),
        ("，控制在百分之十以内", [("百分之十", "AMOUNT")], [("百分之十", "AMOUNT")]),
        # traditional characters and full-width forms read the same; spans come from the caller's text
        ("營業收入同比增長５％", [("５％", "AMOUNT")], [("同比增長５％", "GROWTH_RATE")]),
    ],
)
def test_hand_checked_sentences(text, predicted, expected):
    assert rules(text, *predicted) == expected


def test_a_rule_that_would_cut_into_another_entity_is_not_applied():
    # the direction words belong to a (wrongly) predicted ORG: the AMOUNT keeps its span
    assert rules("韩电增长20%", ("韩电增长", "ORG"), ("20%", "AMOUNT")) == [("韩电增长", "ORG"), ("20%", "AMOUNT")]
    # a METRIC gives its change back first, and the magnitude then takes it (产值增长 | 20% → 产值 | 增长20%)
    assert rules("产值增长20%", ("产值增长", "METRIC"), ("20%", "AMOUNT")) == [("产值", "METRIC"), ("增长20%", "GROWTH_RATE")]
    # but a comparison word taken into a name goes back to the change it begins
    assert rules("国内生产总值比上年增长12%", ("国内生产总值比", "METRIC"), ("增长12%", "GROWTH_RATE")) == [
        ("国内生产总值", "METRIC"), ("比上年增长12%", "GROWTH_RATE")]
    assert rules("产值同比增长20%", ("产值同", "METRIC"), ("比增长20%", "GROWTH_RATE")) == [
        ("产值", "METRIC"), ("同比增长20%", "GROWTH_RATE")]  # 同 | 比增长: the comparison word made whole
    # coordinated items begin after punctuation, so a METRIC reaches neither into nor up to the entity before
    assert rules("，市医保局养老、医疗保险参保率达95%", ("市医保局", "ORG"), ("医疗保险参保率", "METRIC")) == [
        ("市医保局", "ORG"), ("医疗保险参保率", "METRIC")]
    assert rules("，市医保局养老、医疗保险参保率达95%", ("市医保", "ORG"), ("医疗保险参保率", "METRIC")) == [
        ("市医保局", "ORG"), ("医疗保险参保率", "METRIC")]  # the department made whole, the METRIC as it was
    # nor does a name take in a * that ends the entity before it
    assert rules("华海药业*厂区", ("华海药业*", "ORG"), ("厂区", "PROJECT")) == [("华海药业*", "ORG"), ("厂区", "PROJECT")]
    # a neighbouring entity wholly inside the new span is absorbed
    assert rules("同比增长20%", ("同比", "METRIC"), ("20%", "AMOUNT")) == [("同比增长20%", "GROWTH_RATE")]


def test_the_publishing_body_of_a_metadata_header_is_an_org():
    header = "索引号:\n\n11330282/2023-183321\n\n发布机构:\n\n新浦镇\n\n公开方式:\n\n主动公开\n"
    assert rules(header) == [("新浦镇", "ORG")]
    assert [e.score for e in apply_span_rules(header, [])] == [1.0]  # sure by rule: it passes any floor
    assert rules("發布機構：坎墩街道") == [("坎墩街道", "ORG")]  # traditional, full-width colon, end of text
    assert rules(header, ("新浦镇", "ORG")) == [("新浦镇", "ORG")]  # once, whatever its score
    assert rules(header, ("浦镇", "PROJECT")) == [("浦镇", "PROJECT")]  # the model's entity is not cut into
    assert rules("新浦镇发布机构改革方案") == []  # no header field: nothing is added


def test_the_items_of_a_company_list_are_orgs():
    assert rules("。支持超聚变、中创智领、许继、平高等领军企业全链条发展", ("许继", "ORG")) == [
        ("超聚变", "ORG"), ("中创智领", "ORG"), ("许继", "ORG"), ("平高", "ORG")]  # the verb 支持 is left out
    # the model tagged none of them ORG and no item ends in a company's type word, but none is a word
    assert rules("。支持超聚变、中创智领、许继、平高等领军企业全链条发展") == [
        ("超聚变", "ORG"), ("中创智领", "ORG"), ("许继", "ORG"), ("平高", "ORG")]
    assert rules("分别举办采煤、发电、冶炼、化工等企业") == []
    assert rules("，提高钢铁、水泥、电解铝、房地产等行业建设项目") == []  # 房 | 地产 is no name and type word
    assert rules("，集聚了比亚迪、宁德时代等一批世界一流企业", ("宁德时代", "ORG")) == [("比亚迪", "ORG"), ("宁德时代", "ORG")]
    assert rules("，与阿里、百度、京东等头部企业", ("百度", "ORG")) == [("阿里", "ORG"), ("百度", "ORG"), ("京东", "ORG")]
    assert rules("森工集团、文旅集团、国贸集团等区属国有企业") == [("森工集团", "ORG"), ("文旅集团", "ORG"), ("国贸集团", "ORG")]
    assert rules("，公牛、罗特等8家企业的52个新产品", ("公牛", "ORG")) == [("公牛", "ORG"), ("罗特", "ORG")]
    assert [e.score for e in apply_span_rules("，公牛、罗特等8家企业", ents("，公牛、罗特等8家企业", ("公牛", "ORG")))] == [1.0, 1.0]
    assert rules("，福贝贝、益达等6家企业首次申报", ("福贝贝、益达", "ORG")) == [("福贝贝", "ORG"), ("益达", "ORG")]
    assert rules("服务保障中国中化、中国华能等一批中央企业", ("中国华能", "ORG")) == [("中国中化", "ORG"), ("中国华能", "ORG")]
    # in a project list only a bare company name is an ORG (健仕科技等7个项目); other items may be projects
    assert rules("，公牛4亿套转换器、健仕科技等7个项目竣工") == [("健仕科技", "ORG")]
    assert rules("，保障垠雨科技、悦达电子等3个项目主体结顶") == [("垠雨科技", "ORG"), ("悦达电子", "ORG")]
    assert rules("，福山路、湖滨路等3个项目完工") == []
    assert rules("，推动灵活用工、网络货运、养老医疗等平台企业发展") == []  # trades, each made of words
    # not: kinds of firm (a long description before 企业), items the model gave another label
    assert rules("集中力量对小喷漆、小电镀等高污染和非法排污企业进行整治") == []
    assert rules("，夏宝电器、贝联百货等4家企业", ("贝联百货", "PROJECT")) == [("夏宝电器", "ORG"), ("贝联百货", "PROJECT")]


def test_government_departments_are_orgs():
    assert rules("，配合市自規局完成“三區三線”的劃定") == [("市自規局", "ORG")]  # traditional
    assert rules("，成功申报省财政厅2023年度一事一议财政奖补") == [("省财政厅", "ORG")]
    assert rules("，按照国家发展改革委反馈的意见") == [("国家发展改革委", "ORG")]
    assert rules("。自治区国资委监管企业资产总额") == [("自治区国资委", "ORG")]
    assert [e.score for e in apply_span_rules("，配合市教育局做好", [])] == [1.0]  # sure by rule: it passes any floor
    # the model's ORG inside it is made whole; one reaching beyond it, or another label, is left alone
    assert rules("，全力配合市教育局做好", ("市教育", "ORG")) == [("市教育局", "ORG")]
    assert rules("，宁波市教育局做好", ("宁波市教育局", "ORG")) == [("宁波市教育局", "ORG")]
    assert rules("，市交通局大中修计划", ("市交通局大中修计划", "PROJECT")) == [("市交通局大中修计划", "PROJECT")]
    # not: its head (a person), a part of it, a title it is named in, a kind of department
    assert rules("，省教育厅厅长") == [] and rules("，市财政局副局长") == [] and rules("，市教育局党组") == []
    assert rules("，印发《省财政厅关于加强预算管理的通知》") == []
    assert rules("，财政局、教育局等部门") == []  # no level: which one is not said


def test_a_town_body_that_begins_a_clause_and_is_rated_or_acts_is_an_org():
    assert rules("，街道專職消防隊被評為2022年度先進") == [("街道專職消防隊", "ORG")]
    assert rules("。镇审批服务中心荣获省级示范") == [("镇审批服务中心", "ORG")]
    assert rules("，街道退役军人服务站，") == [("街道退役军人服务站", "ORG")]
    # not: a body in the middle of a clause, a level (镇级), one being built or set up
    assert rules("，充分发挥镇矛调中心作用") == []
    assert rules("，完成镇级社会工作站规范化建设") == []
    assert rules("，街道文化服务中心建设") == []
    # a department inside such a body is not made beside it
    assert rules("，镇财政局服务所被评为先进") == [("镇财政局服务所", "ORG")]


def test_a_towns_government_and_party_bodies_are_orgs():
    assert rules("现在，我代表镇人民政府向大会报告工作") == [("镇人民政府", "ORG")]
    assert rules("，在街道辦事處的領導下") == [("街道辦事處", "ORG")]  # traditional
    assert rules("，自觉接受镇人大主席团的法律监督") == [("镇人大主席团", "ORG")]
    assert rules("；圆满完成镇妇联、镇残联等群团组织换届") == [("镇妇联", "ORG"), ("镇残联", "ORG")]
    # not: kinds (乡镇政府, 各镇政府), people (镇人大代表, 镇党委书记), a longer name the model found
    assert rules("，乡镇政府职能转变") == [] and rules("，各镇政府要") == []
    assert rules("，镇人大代表视察") == [] and rules("，镇党委书记") == []
    assert rules("，在新浦镇党委的领导下", ("新浦镇党委", "ORG")) == [("新浦镇党委", "ORG")]


def test_a_village_by_its_name_alone_is_no_project():
    assert rules("，推进西街村、荣誉村存量集体资产盘活", ("西街村", "PROJECT")) == []
    assert rules("，由四塘南村与五塘新村抱团建设", ("四塘南村", "PROJECT"), ("五塘新村", "PROJECT")) == []
    # a named village-building scheme is one (guidelines: 杜家桥宜居村, 三塘头特色村)
    assert rules("，完成杜家桥宜居村建设", ("杜家桥宜居村", "PROJECT")) == [("杜家桥宜居村", "PROJECT")]
    assert rules("，大岐山中心村三年建设任务全面完成", ("大岐山中心村", "PROJECT")) == [("大岐山中心村", "PROJECT")]
    assert rules("，西街村文化礼堂改造工程", ("西街村文化礼堂改造工程", "PROJECT")) == [("西街村文化礼堂改造工程", "PROJECT")]


def test_a_place_by_its_name_alone_is_no_project():
    assert rules("。加快新城重点工程建设进度", ("新城", "PROJECT")) == []
    assert rules("，经营主体申报慈溪市特色农业发展项目", ("慈溪市", "PROJECT")) == []
    assert rules("，持续推进贵阳、黔南抽水蓄能电站建设", ("贵阳", "PROJECT"), ("黔南抽水蓄能电站", "PROJECT")) == [
        ("黔南抽水蓄能电站", "PROJECT")]
    # a place name that names the works, or more than a place, stays
    assert rules("。桃园路建成通车", ("桃园路", "PROJECT")) == [("桃园路", "PROJECT")]
    assert rules("，丹江口水库水质稳定", ("丹江口水库", "PROJECT")) == [("丹江口水库", "PROJECT")]
    assert rules("，贵阳轨道交通S1线开通运营", ("贵阳轨道交通S1线", "PROJECT")) == [("贵阳轨道交通S1线", "PROJECT")]


def scored(text: str, *spans: tuple[str, str, float]) -> list[tuple[str, str, float]]:
    """The rules' entities (text, label, score) from model entities given with their scores."""
    model = [Entity(e.start, e.end, e.label, e.text, score) for e, (_, _, score) in zip(ents(text, *[s[:2] for s in spans]), spans)]
    return [(e.text, e.label, e.score) for e in apply_span_rules(text, model)]


def test_a_school_or_hospital_the_model_calls_an_org_is_sure():
    assert scored("。新浦成校创建成为2022年度", ("新浦成校", "ORG", 0.49)) == [("新浦成校", "ORG", 1.0)]
    assert scored("，公办卫前幼儿园和镇东幼儿园开园", ("卫前幼儿园", "ORG", 0.67), ("镇东幼儿园", "ORG", 0.86)) == [
        ("卫前幼儿园", "ORG", 1.0), ("镇东幼儿园", "ORG", 1.0)]
    assert scored("。新浦衛生院達到2022年度", ("新浦衛生院", "ORG", 0.64)) == [("新浦衛生院", "ORG", 1.0)]  # traditional
    # not: one the model calls a PROJECT (being built), a kind of school, another kind of body
    assert scored("，加快东山头幼儿园建设", ("东山头幼儿园", "PROJECT", 0.6)) == [("东山头幼儿园", "PROJECT", 0.6)]
    assert scored("，各类学校", ("各类学校", "ORG", 0.6)) == []
    assert scored("，大中小学思政课", ("大中小学", "ORG", 0.7)) == [("大中小学", "ORG", 0.7)]
    assert scored("，市县中心医院全覆盖", ("市县中心医院", "ORG", 0.5)) == [("市县中心医院", "ORG", 0.5)]
    assert scored("，慈溪市示范家庭农场4家", ("慈溪市示范家庭农场", "ORG", 0.7)) == [("慈溪市示范家庭农场", "ORG", 0.7)]


def test_a_route_is_named_from_its_first_place():
    assert rules("，做好寧波至慈溪市域鐵路項目勘探", ("慈溪市域鐵路項目", "PROJECT")) == [("寧波至慈溪市域鐵路項目", "PROJECT")]
    assert rules("、宁波至慈溪市域铁路项目", ("宁波", "PROJECT"), ("慈溪市域铁路项目", "PROJECT")) == [
        ("宁波至慈溪市域铁路项目", "PROJECT")]
    assert rules("，推动杭州到温州铁路建设", ("温州铁路", "PROJECT")) == [("杭州到温州铁路", "PROJECT")]
    # not: a verb before 至 (延伸至), a number, another label
    assert rules("，延伸至慈溪市域铁路", ("慈溪市域铁路", "PROJECT")) == [("慈溪市域铁路", "PROJECT")]
    assert rules("，提升至温州铁路", ("温州铁路", "PROJECT")) == [("温州铁路", "PROJECT")]
    assert rules("，宁波至温州铁路公司", ("温州铁路公司", "ORG")) == [("温州铁路公司", "ORG")]


def test_one_direction_word_for_several_values():
    text = "，PM2.5和臭氧平均浓度分别同比下降18.18%、8.02%。"
    assert rules(text, ("同比下降18.18%", "GROWTH_RATE"), ("8.02%", "AMOUNT")) == [
        ("同比下降18.18%", "GROWTH_RATE"), ("8.02%", "GROWTH_RATE")]
    assert rules("，分别增长5.5%和11.2%", ("增长5.5%", "GROWTH_RATE"), ("11.2%", "AMOUNT"))[1] == ("11.2%", "GROWTH_RATE")
    # a level after a change, or a value that is not relative, stays an AMOUNT
    assert rules("，增长12%，占比35%", ("增长12%", "GROWTH_RATE"), ("35%", "AMOUNT"))[1] == ("35%", "AMOUNT")
    assert rules("，增长12%、150亿元", ("增长12%", "GROWTH_RATE"), ("150亿元", "AMOUNT"))[1] == ("150亿元", "AMOUNT")


def test_an_indicator_never_ends_in_half_an_adverb():
    text = "，限上仓储会员店、集合店零售额合计增长15.7%"
    assert rules(text, ("限上仓储会员店、集合店零售额合", "METRIC"), ("增长15.7%", "GROWTH_RATE")) == [
        ("限上仓储会员店、集合店零售额", "METRIC"), ("增长15.7%", "GROWTH_RATE")]
    assert rules("，实际利用外资同比增长5%", ("实际利用外资同", "METRIC"), ("增长5%", "GROWTH_RATE"))[0] == ("实际利用外资", "METRIC")


def test_a_person_given_an_honour_is_no_org():
    assert rules("，宋金平评选为慈溪市道德模范，孙利英评选为宁波好人", ("宋金平", "ORG"), ("孙利英", "ORG")) == []
    assert rules("。徐淙祥被授予“时代楷模”称号", ("徐淙祥", "ORG")) == []
    assert rules("本报全媒体记者 林 君摄\n各位代表", ("林 君", "ORG")) == []  # a photo's credit
    assert rules("，向驻桂人民解放军、武警部队官兵", ("武警部队官兵", "ORG")) == []  # soldiers, not their unit
    assert rules("，并请省政协委员提出意见", ("省政协", "ORG")) == []  # a title of people, the body inside it
    assert rules("，省政协委员会", ("省政协", "ORG")) == [("省政协", "ORG")]
    assert rules("，参加省人民代表大会", ("省人民", "ORG")) == [("省人民", "ORG")]
    assert rules("宁夏日报记者 王鼎 摄\n", ("王鼎", "ORG")) == [] and rules("本报记者阮洋摄\n", ("阮洋", "ORG")) == []
    # a body given an honour, or a longer name, stays
    assert rules("，卫西村被评为宁波市优秀学习型村", ("卫西村", "ORG")) == [("卫西村", "ORG")]
    assert rules("，公牛集团被评为省级标兵企业", ("公牛集团", "ORG")) == [("公牛集团", "ORG")]


def test_roads_named_as_where_something_lies_are_no_projects():
    text = "，祝墩橫路、周勝線、永安東路和新城大道的沿線面貌煥然一新"
    roads = [(r, "PROJECT") for r in ("祝墩橫路", "周勝線", "永安東路", "新城大道")]
    assert rules(text, *roads) == []
    assert rules("，整治沈海高速新浦段两侧问题点位", ("沈海高速新浦段", "PROJECT")) == []
    assert rules("，祝墩横路及坎胜路沿线列入精特亮工程", ("祝墩横路及坎胜路沿线", "PROJECT")) == []
    # the works on the roads stay, as does a list that is not followed by a place word
    assert rules("，祝墩横路、周胜线改造完成", ("祝墩横路", "PROJECT"), ("周胜线", "PROJECT")) == [
        ("祝墩横路", "PROJECT"), ("周胜线", "PROJECT")]
    assert rules("，完成永安东路改造和新城大道沿线绿化", ("永安东路改造", "PROJECT"), ("新城大道", "PROJECT")) == [
        ("永安东路改造", "PROJECT")]
    assert rules("，京广铁路沿线城市", ("京广铁路", "ORG")) == [("京广铁路", "ORG")]  # other labels are left alone


def test_the_rules_run_until_nothing_changes():
    # the second name is balanced into its bracket, and only then touches the first: one PROJECT
    text = "增增增（增增增增）增"
    out = apply_span_rules(text, [Entity(0, 3, "PROJECT", "增增增"), Entity(4, 10, "PROJECT", text[4:10])])
    assert [(e.text, e.label) for e in out] == [(text, "PROJECT")]
    assert apply_span_rules(text, out) == out


def test_empty_input_and_other_labels_pass_through():
    assert apply_span_rules("", []) == []
    text = "公牛集团第4位"
    assert rules(text, ("公牛集团", "ORG")) == [("公牛集团", "ORG")]


def test_no_gold_span_is_changed(gold_docs):
    for doc in gold_docs:
        gold = [Entity(s.start, s.end, s.label, doc.text[s.start : s.end]) for s in doc.spans]
        assert apply_span_rules(doc.text, gold) == sorted(gold, key=lambda e: e.start), doc.id


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(list("增长同比提高第4位5%个百分点元/月年天逆势翻番，0.（）“”、《》。占类率") + ["发布机构:", "\n", "届全会", "等8家企业", "市教育局", "厅长", "支持", "比重", "百分之", "十八点", "三分之一"]), max_size=40), st.data())
def test_output_spans_point_into_the_text_and_never_overlap(chars, data):
    text = "".join(chars)
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(text)), max_size=8))))
    labels = st.sampled_from(["AMOUNT", "GROWTH_RATE", "METRIC", "PROJECT", "ORG"])
    spans = [Entity(a, b, data.draw(labels), text[a:b]) for a, b in zip(cuts[::2], cuts[1::2]) if a < b]
    out = apply_span_rules(text, spans)
    for e in out:
        assert e.text == text[e.start : e.end] and e.start < e.end
    assert all(a.end <= b.start for a, b in zip(out, out[1:]))
    assert apply_span_rules(text, out) == out  # rules applied to their own output change nothing (rescore_journal.py)
