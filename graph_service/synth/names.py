"""Chinese names: people (weighted surnames, gendered given names) and organisations.

Organisation names follow the registry's pattern 行政区划 + 字号 + 行业 + 组织形式, e.g.
``石家庄鑫达商贸有限公司``, ``灵寿县丰源蔬菜种植专业合作社``, ``长安区王记面馆``.
"""

from __future__ import annotations

import random
from itertools import accumulate

from graph_service.synth.geo import PROVINCE_SHORT, County

# Approximate share (%) of the population by surname, 2020 household register.
_SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.12), ("李", 7.00), ("张", 6.74), ("刘", 5.10), ("陈", 4.61), ("杨", 3.22),
    ("黄", 2.45), ("赵", 2.29), ("吴", 2.05), ("周", 2.00), ("徐", 1.67), ("孙", 1.54),
    ("马", 1.29), ("朱", 1.26), ("胡", 1.22), ("郭", 1.18), ("何", 1.17), ("林", 1.13),
    ("高", 1.09), ("罗", 1.10), ("郑", 0.97), ("梁", 0.96), ("谢", 0.84), ("宋", 0.79),
    ("唐", 0.78), ("许", 0.74), ("韩", 0.72), ("冯", 0.71), ("邓", 0.70), ("曹", 0.69),
    ("彭", 0.67), ("曾", 0.64), ("肖", 0.63), ("田", 0.61), ("董", 0.60), ("袁", 0.58),
    ("潘", 0.57), ("于", 0.56), ("蒋", 0.55), ("蔡", 0.54), ("余", 0.53), ("杜", 0.52),
    ("叶", 0.51), ("程", 0.50), ("苏", 0.48), ("魏", 0.47), ("吕", 0.46), ("丁", 0.45),
    ("任", 0.44), ("沈", 0.43), ("姚", 0.42), ("卢", 0.41), ("姜", 0.40), ("崔", 0.39),
    ("钟", 0.38), ("谭", 0.37), ("陆", 0.36), ("汪", 0.35), ("范", 0.34), ("金", 0.33),
    ("石", 0.32), ("廖", 0.31), ("贾", 0.30), ("夏", 0.29), ("韦", 0.28), ("付", 0.27),
    ("方", 0.26), ("白", 0.25), ("邹", 0.24), ("孟", 0.23), ("熊", 0.22), ("秦", 0.21),
    ("邱", 0.20), ("江", 0.19), ("尹", 0.18), ("薛", 0.17), ("闫", 0.16), ("段", 0.15),
    ("雷", 0.14), ("侯", 0.13), ("龙", 0.12), ("史", 0.11), ("陶", 0.10), ("黎", 0.10),
    ("贺", 0.10), ("顾", 0.09), ("毛", 0.09), ("郝", 0.09), ("龚", 0.08), ("邵", 0.08),
    ("万", 0.08), ("钱", 0.08), ("严", 0.07), ("覃", 0.07), ("武", 0.07), ("戴", 0.07),
    ("莫", 0.06), ("孔", 0.06), ("向", 0.06), ("汤", 0.06), ("欧阳", 0.02), ("司马", 0.005),
    ("上官", 0.003), ("诸葛", 0.003),
)  # fmt: skip
SURNAMES: tuple[str, ...] = tuple(s for s, _ in _SURNAMES)
_SURNAME_CUM: list[float] = list(accumulate(w for _, w in _SURNAMES))

_MALE = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林"
    "阳建国峰亮成东文志海晨振博洋兵春永新庆德立家宏江毅锋彬睿哲轩"
)
_FEMALE = (
    "芳娜敏静丽艳娟霞秀玲燕洁红丹萍婷雪琳倩颖慧梅莉玉兰凤云晶佳欣怡悦琴蓉媛薇月嘉璐瑶莹英珍妍琪晓"
)
_EITHER = "文明华晓春海小建子雨思佳一嘉宇欣晨安心"

#: Characters of 字号 (trade names), combined two at a time.
TRADE_CHARS = (
    "鑫宏盛达华恒泰源兴隆丰瑞祥和新金顺通德利昌远中嘉汇博诚信永安康福润邦腾创力胜宇鼎正合益荣佳"
    "联凯旺东方天海峰辉明光星亿立久美宝升富元洪振航晟骏锦晨睿卓越智科捷驰豪聚云景森林晶鸿翔昊"
)

#: Words for the line of business of an enterprise, by GB/T 4754 section.
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "A": ("农业发展", "农业科技", "生态农业", "种植", "养殖", "林业开发", "水产"),
    "B": ("矿业", "石材", "砂石"),
    "C": ("机械制造", "食品", "服饰", "电子科技", "塑料制品", "化工", "五金制品", "家具",
          "纺织", "建材", "包装材料", "新材料科技", "汽车零部件", "制药", "印刷"),
    "D": ("热力", "燃气", "新能源", "电力工程", "供水"),
    "E": ("建筑工程", "建设工程", "建筑装饰工程", "市政工程", "园林绿化工程", "建筑劳务"),
    "F": ("商贸", "贸易", "百货", "医药", "建材销售", "农资", "电子商务", "食品销售"),
    "G": ("物流", "运输", "货运代理", "客运", "仓储"),
    "H": ("餐饮管理", "酒店管理", "餐饮服务", "宾馆"),
    "I": ("网络科技", "信息技术", "软件", "数据科技", "通信技术"),
    "J": ("融资担保", "小额贷款", "资产管理"),
    "K": ("房地产开发", "物业管理", "置业", "房地产经纪"),
    "L": ("商务咨询", "企业管理咨询", "人力资源", "广告", "文化传媒", "会展服务"),
    "M": ("技术服务", "检测技术", "工程设计", "环保科技"),
    "N": ("环境工程", "园林", "水利工程", "环卫服务"),
    "O": ("家政服务", "汽车维修", "保洁服务", "美容美发"),
    "P": ("教育咨询", "培训"),
    "Q": ("医疗管理", "健康管理", "养老服务"),
    "R": ("文化传播", "体育发展", "影视"),
}  # fmt: skip

_SHOP_WORDS: dict[str, tuple[str, ...]] = {
    "F": ("便利店", "超市", "商店", "五金店", "烟酒店", "水果店", "建材经营部", "日杂店",
          "服装店", "手机店"),
    "H": ("小吃店", "面馆", "饭店", "餐馆", "烧烤店", "早餐店", "火锅店", "快餐店"),
    "O": ("理发店", "美容店", "汽车修理部", "家电维修部", "洗车行", "干洗店"),
    "C": ("加工厂", "豆腐坊", "服装加工店"),
}  # fmt: skip

_COOP_PRODUCTS = (
    "蔬菜种植", "果树种植", "中药材种植", "生猪养殖", "肉牛养殖", "水产养殖", "农机服务",
    "食用菌种植", "茶叶种植", "花卉苗木", "粮食种植", "蜜蜂养殖",
)  # fmt: skip

_HOLDCO_FORMS = ("投资控股有限公司", "实业投资有限公司", "控股集团有限公司", "投资管理有限公司")

#: State-owned enterprise names with their industry section.
SOE_FORMS: tuple[tuple[str, str], ...] = (
    ("城市建设投资集团有限公司", "K"), ("国有资产经营有限公司", "L"),
    ("交通投资有限公司", "G"), ("水务集团有限公司", "D"), ("产业投资发展有限公司", "L"),
    ("公共交通有限公司", "G"), ("粮食储备有限公司", "A"), ("文化旅游发展有限公司", "R"),
    ("供热有限公司", "D"), ("国有资本运营有限公司", "L"), ("城市发展集团有限公司", "E"),
)  # fmt: skip

#: 事业单位 names with their industry section.
PUBLIC_INSTITUTION_FORMS: tuple[tuple[str, str], ...] = (
    ("人民医院", "Q"), ("中医医院", "Q"), ("妇幼保健院", "Q"), ("疾病预防控制中心", "Q"),
    ("第一中学", "P"), ("第二中学", "P"), ("第三中学", "P"), ("实验小学", "P"),
    ("职业技术教育中心", "P"), ("图书馆", "R"), ("文化馆", "R"), ("农业技术推广中心", "M"),
    ("水利工作站", "N"), ("融媒体中心", "R"), ("公证处", "L"), ("社会保险事业管理中心", "S"),
)  # fmt: skip

#: 机关 names; a county's first organ is its government, the second its state-assets office.
STATE_ORGAN_FORMS: tuple[str, ...] = (
    "人民政府", "国有资产监督管理委员会", "财政局", "发展和改革局", "教育局", "公安局", "民政局",
    "司法局", "人力资源和社会保障局", "自然资源局", "住房和城乡建设局", "交通运输局", "水利局",
    "农业农村局", "商务局", "文化和旅游局", "卫生健康局", "应急管理局", "审计局",
    "市场监督管理局", "统计局", "医疗保障局", "林业局", "退役军人事务局", "信访局", "城市管理局",
)  # fmt: skip

#: Social organisations by USCC category: 1 社会团体, 2 民办非企业单位, 3 基金会.
SOCIAL_ORG_FORMS: dict[str, tuple[tuple[str, str], ...]] = {
    "1": (("餐饮行业协会", "S"), ("建筑业协会", "S"), ("个体劳动者协会", "S"),
          ("物流协会", "S"), ("软件行业协会", "S"), ("摄影家协会", "S"), ("书法家协会", "S"),
          ("老年人体育协会", "S"), ("商会", "S")),
    "2": (("培训学校", "P"), ("幼儿园", "P"), ("养老院", "Q"), ("社会工作服务中心", "Q"),
          ("康复中心", "Q")),
    "3": (("慈善基金会", "S"), ("教育基金会", "S"), ("助学基金会", "S")),
}  # fmt: skip


def surname(rnd: random.Random) -> str:
    """A surname drawn by its frequency."""
    return rnd.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]


def person_name(rnd: random.Random, male: bool) -> str:
    """A full name: weighted surname and a one- or two-character given name."""
    pool = _MALE if male else _FEMALE
    first = rnd.choice(pool) if rnd.random() < 0.85 else rnd.choice(_EITHER)
    if rnd.random() < 0.3:
        return surname(rnd) + first
    return surname(rnd) + first + rnd.choice(pool)


def trade_name(rnd: random.Random) -> str:
    """A two-character 字号 such as 鑫达."""
    a = rnd.choice(TRADE_CHARS)
    b = rnd.choice(TRADE_CHARS)
    while b == a:
        b = rnd.choice(TRADE_CHARS)
    return a + b


def place_prefix(rnd: random.Random, county: County) -> str:
    """The administrative-division part at the front of a company name."""
    u = rnd.random()
    if u < 0.45:
        return county.city_short
    if u < 0.85:
        return county.full_name
    return PROVINCE_SHORT[county.province]


def enterprise_name(rnd: random.Random, county: County, industry: str) -> str:
    """``石家庄鑫达商贸有限公司`` and the like."""
    word = rnd.choice(INDUSTRY_WORDS.get(industry, INDUSTRY_WORDS["L"]))
    u = rnd.random()
    form = "有限公司" if u < 0.82 else "有限责任公司" if u < 0.94 else "股份有限公司"
    return place_prefix(rnd, county) + trade_name(rnd) + word + form


def holdco_name(rnd: random.Random, county: County) -> str:
    """A holding company: ``杭州鼎盛投资控股有限公司``."""
    return place_prefix(rnd, county) + trade_name(rnd) + rnd.choice(_HOLDCO_FORMS)


def individual_business_name(rnd: random.Random, county: County, industry: str) -> str:
    """An individual business (个体工商户): ``灵寿县王记面馆``."""
    shop = rnd.choice(_SHOP_WORDS.get(industry, _SHOP_WORDS["F"]))
    u = rnd.random()
    if u < 0.45:
        middle = trade_name(rnd)
    elif u < 0.8:
        middle = surname(rnd) + "记"
    else:
        middle = "老" + surname(rnd)
    return county.full_name + middle + shop


def coop_name(rnd: random.Random, county: County) -> str:
    """A farmers' cooperative: ``灵寿县丰源蔬菜种植专业合作社``."""
    return county.full_name + trade_name(rnd) + rnd.choice(_COOP_PRODUCTS) + "专业合作社"


def social_org_name(rnd: random.Random, county: County, category: str) -> tuple[str, str]:
    """A social organisation of USCC category ``category`` (1, 2 or 3): (name, industry)."""
    form, industry = rnd.choice(SOCIAL_ORG_FORMS[category])
    if category == "1":
        place = county.city_name if rnd.random() < 0.6 else county.full_name
        if form == "商会":
            return place + PROVINCE_SHORT[rnd.choice(tuple(PROVINCE_SHORT))] + form, industry
        return place + form, industry
    if category == "3":
        return PROVINCE_SHORT[county.province] + trade_name(rnd) + form, industry
    return county.full_name + trade_name(rnd) + form, industry


def soe_name(rnd: random.Random, county: County) -> tuple[str, str]:
    """A state-owned enterprise: (``灵寿县城市建设投资集团有限公司``, industry)."""
    form, industry = rnd.choice(SOE_FORMS)
    place = county.full_name if rnd.random() < 0.7 else county.city_name
    return place + form, industry


_STREETS = (
    "人民路", "建设路", "解放路", "中山路", "和平路", "胜利路", "新华路", "文化路", "光明路",
    "幸福路", "长安街", "迎宾大道", "朝阳路", "工业路", "东风路", "南环路", "北环路", "滨河路",
    "振兴街", "育才路", "府前街", "复兴路", "红旗路", "兴业大道",
)  # fmt: skip
_PLACES = ("", "", "", "工业园区", "经济开发区", "商贸城", "科技园")


def address(uscc: str, county: County) -> str:
    """A registered address in ``county``, drawn from a generator seeded by the USCC alone, so
    adding addresses leaves every other draw of the registry as it was."""
    rnd = random.Random(uscc)
    place = rnd.choice(_PLACES)
    unit = f"{rnd.randint(1, 30)}号楼{rnd.randint(1, 20)}0{rnd.randint(1, 9)}室" if place else ""
    area = county.full_name
    if not area.startswith(county.province_name[:2]):  # 北京市东城区 already starts with it
        area = county.province_name + area
    return f"{area}{place}{rnd.choice(_STREETS)}{rnd.randint(1, 999)}号{unit}"
