"""Enumerations of the register, with stable codes and Chinese labels.

Sources: GB/T 2261.1-2003 (sex), GB/T 4761-2008 (family relationship), GB/T 26341-2010
(disability categories and grades), GB/T 4762 (political status), GB/T 4658 (education), and
DOMAIN.md (the policy's categories, parent situations, closing reasons, report situations and
referral agencies). Ethnic groups (GB 3304) are in :mod:`carebook.model.ethnic`.
"""

from __future__ import annotations

from carebook.model.codes import CodedEnum, set_title


class Sex(CodedEnum):
    """性别 (GB/T 2261.1-2003)."""

    UNKNOWN = ("0", "未知", "unknown")
    MALE = ("1", "男", "male", "男性", "m")
    FEMALE = ("2", "女", "female", "女性", "f")
    UNSPECIFIED = ("9", "未说明", "unspecified")


class OrgLevel(CodedEnum):
    """组织层级: the levels of the care network."""

    COUNTY = ("county", "县（区）", "county")
    TOWNSHIP = ("township", "乡镇（街道）", "township", "乡镇", "街道", "镇")
    VILLAGE = ("village", "村（居）", "village", "村", "社区", "居委会")


class RegistrationType(CodedEnum):
    """户籍性质: household registration type. Rural registration is a condition of the
    left-behind category."""

    RURAL = ("rural", "农业户口", "rural", "农业", "农村", "农村居民户口", "农村户口", "农")
    URBAN = ("urban", "非农业户口", "urban", "非农业", "城镇", "城镇居民户口", "城镇户口", "非农")
    OTHER = ("other", "其他", "other", "居民户口")


class HealthStatus(CodedEnum):
    """健康状况."""

    HEALTHY = ("healthy", "健康", "healthy", "良好", "正常")
    ILL = ("ill", "患病", "ill", "疾病", "生病", "有病")
    DISABLED = ("disabled", "残疾", "disabled", "残障")
    ILL_AND_DISABLED = ("ill_and_disabled", "患病且残疾", "ill and disabled", "残疾且患病")


class DisabilityCategory(CodedEnum):
    """残疾类别 (GB/T 26341-2010)."""

    VISUAL = ("1", "视力残疾", "visual", "视力")
    HEARING = ("2", "听力残疾", "hearing", "听力")
    SPEECH = ("3", "言语残疾", "speech", "言语")
    PHYSICAL = ("4", "肢体残疾", "physical", "肢体")
    INTELLECTUAL = ("5", "智力残疾", "intellectual", "智力")
    MENTAL = ("6", "精神残疾", "mental", "精神")
    MULTIPLE = ("7", "多重残疾", "multiple", "多重")


class DisabilityGrade(CodedEnum):
    """残疾等级 (GB/T 26341-2010): grade 1 is the most severe."""

    GRADE_1 = ("1", "一级", "grade 1", "1级", "一")
    GRADE_2 = ("2", "二级", "grade 2", "2级", "二")
    GRADE_3 = ("3", "三级", "grade 3", "3级", "三")
    GRADE_4 = ("4", "四级", "grade 4", "4级", "四")


class SchoolingStage(CodedEnum):
    """就学情况."""

    NOT_YET_IN_KINDERGARTEN = ("not_in_kindergarten", "未入园", "not yet in kindergarten", "学龄前", "散居")
    KINDERGARTEN = ("kindergarten", "幼儿园", "kindergarten", "在园", "学前教育")
    PRIMARY = ("primary", "小学", "primary school", "在读小学")
    JUNIOR_MIDDLE = ("junior_middle", "初中", "junior middle school", "初级中学", "在读初中")
    SENIOR_MIDDLE = ("senior_middle", "高中", "senior middle school", "普通高中", "在读高中")
    VOCATIONAL = ("vocational", "中职", "vocational school", "职高", "中专", "技校", "职业学校")
    HIGHER = ("higher", "高等教育", "higher education", "大学", "大专", "本科")
    DROPPED_OUT = ("dropped_out", "辍学", "dropped out of compulsory education", "失学", "义务教育阶段辍学")
    NOT_IN_SCHOOL = ("not_in_school", "不在学", "not in school (14-16)", "未在学", "未上学", "不在校")
    SPECIAL = ("special", "特殊教育", "special education", "特教", "送教上门")


class ParentStatus(CodedEnum):
    """父母状况: a parent's situation, the facts behind the categories (DOMAIN.md)."""

    AT_HOME = ("at_home", "在家", "at home", "在家务农", "在村")
    WORKING_AWAY = ("working_away", "外出务工", "working away", "外出", "务工", "在外务工", "外地务工")
    SERIOUSLY_ILL = ("seriously_ill", "重病", "seriously ill", "重病患者", "患重病", "大病")
    SEVERELY_DISABLED = ("severely_disabled", "重残", "severely disabled", "重度残疾", "残疾")
    IN_PRISON = ("in_prison", "服刑在押", "in prison or detention", "服刑", "在押", "羁押", "坐牢")
    IN_DRUG_REHAB = ("in_drug_rehab", "强制隔离戒毒", "in compulsory drug rehabilitation", "戒毒")
    DEPRIVED_OF_LIBERTY = ("deprived_of_liberty", "被限制人身自由", "otherwise deprived of liberty")
    MISSING = ("missing", "失联", "missing", "失踪", "下落不明", "联系不上")
    DECEASED = ("deceased", "死亡", "deceased", "去世", "已故", "病故")
    DECLARED_MISSING_OR_DEAD = ("declared", "宣告失踪或死亡", "declared missing or dead", "宣告失踪", "宣告死亡")
    GUARDIANSHIP_REVOKED = ("revoked", "撤销监护资格", "guardianship revoked", "被撤销监护资格")
    DEPORTED = ("deported", "被遣送（驱逐）出境", "deported", "遣送出境", "驱逐出境")
    DIVORCED_ABSENT = ("divorced_absent", "离异不管", "divorced, not caring", "离异", "改嫁", "再婚")
    UNKNOWN = ("unknown", "不详", "unknown", "未知")


class Relation(CodedEnum):
    """与儿童关系 (GB/T 4761-2008 family relationship codes, read from the child's side)."""

    FATHER = ("51", "父亲", "father", "父", "爸爸")
    MOTHER = ("52", "母亲", "mother", "母", "妈妈")
    STEPFATHER = ("57", "继父", "stepfather")
    STEPMOTHER = ("58", "继母", "stepmother")
    PATERNAL_GRANDFATHER = ("61", "祖父", "paternal grandfather", "爷爷")
    PATERNAL_GRANDMOTHER = ("62", "祖母", "paternal grandmother", "奶奶")
    MATERNAL_GRANDFATHER = ("63", "外祖父", "maternal grandfather", "外公", "姥爷")
    MATERNAL_GRANDMOTHER = ("64", "外祖母", "maternal grandmother", "外婆", "姥姥")
    OLDER_BROTHER = ("71", "兄", "older brother", "哥哥")
    YOUNGER_BROTHER = ("73", "弟", "younger brother", "弟弟")
    OLDER_SISTER = ("75", "姐姐", "older sister", "姐")
    YOUNGER_SISTER = ("77", "妹妹", "younger sister", "妹")
    PATERNAL_UNCLE_OLDER = ("81", "伯父", "uncle (father's older brother)", "伯伯")
    PATERNAL_AUNT_BY_MARRIAGE_OLDER = ("82", "伯母", "aunt (wife of father's older brother)")
    PATERNAL_UNCLE = ("83", "叔父", "uncle (father's younger brother)", "叔叔", "叔")
    PATERNAL_AUNT_BY_MARRIAGE = ("84", "婶母", "aunt (wife of father's younger brother)", "婶婶")
    MATERNAL_UNCLE = ("85", "舅父", "uncle (mother's brother)", "舅舅", "舅")
    MATERNAL_AUNT_BY_MARRIAGE = ("86", "舅母", "aunt (wife of mother's brother)", "舅妈")
    MATERNAL_AUNT_HUSBAND = ("87", "姨父", "uncle (husband of mother's sister)", "姨夫")
    MATERNAL_AUNT = ("88", "姨母", "aunt (mother's sister)", "姨妈", "阿姨", "姨")
    PATERNAL_AUNT_HUSBAND = ("89", "姑父", "uncle (husband of father's sister)")
    PATERNAL_AUNT = ("90", "姑母", "aunt (father's sister)", "姑姑", "姑妈", "姑")
    COUSIN_PATERNAL = ("91", "堂兄弟姐妹", "cousin (father's side)", "堂哥", "堂姐")
    COUSIN = ("92", "表兄弟姐妹", "cousin (mother's side)", "表哥", "表姐")
    OTHER_RELATIVE = ("97", "其他亲属", "other relative", "亲属", "亲戚")
    NON_RELATIVE = ("99", "非亲属", "not a relative", "邻居", "朋友")

    @property
    def is_parent(self) -> bool:
        """True for father and mother (not step-parents)."""
        return self in (Relation.FATHER, Relation.MOTHER)

    @property
    def is_grandparent(self) -> bool:
        """True for the four grandparents."""
        return self.code in ("61", "62", "63", "64")


class GuardianshipQuality(CodedEnum):
    """监护状况评估."""

    GOOD = ("good", "良好", "good", "好")
    FAIR = ("fair", "一般", "fair", "较好")
    POOR = ("poor", "较差", "poor", "差", "缺失", "监护缺失", "监护不当")


class IncomeSource(CodedEnum):
    """家庭收入来源."""

    WAGES_AWAY = ("wages_away", "外出务工收入", "wages from work away", "务工")
    FARMING = ("farming", "务农收入", "farming", "务农", "种地")
    GOVERNMENT_ASSISTANCE = ("assistance", "政府救助", "government assistance", "低保", "救助")
    RELATIVES = ("relatives", "亲友资助", "relatives' support", "亲友")
    OTHER = ("other", "其他", "other")


class AssistanceType(CodedEnum):
    """救助帮扶类型."""

    SUBSISTENCE_ALLOWANCE = ("dibao", "最低生活保障", "subsistence allowance (dibao)", "低保")
    EXTREME_POVERTY_SUPPORT = ("tekun", "特困人员供养", "extreme-poverty support", "特困", "特困供养", "五保")
    TEMPORARY_ASSISTANCE = ("temporary", "临时救助", "temporary assistance", "临时")
    MEDICAL = ("medical", "医疗救助", "medical assistance", "医疗")
    HOUSING = ("housing", "住房救助", "housing assistance", "住房", "危房改造")
    EDUCATION = ("education", "教育资助", "education assistance", "助学", "教育")
    ORPHAN_ALLOWANCE = ("orphan", "孤儿基本生活费", "orphan allowance", "孤儿生活费")
    DE_FACTO_UNSUPPORTED_ALLOWANCE = (
        "de_facto", "事实无人抚养儿童基本生活补贴", "de facto unsupported child allowance", "事实无人抚养补贴",
    )
    DISABILITY_LIVING_SUBSIDY = ("disability_living", "困难残疾人生活补贴", "disability living subsidy")
    DISABILITY_NURSING_SUBSIDY = ("disability_nursing", "重度残疾人护理补贴", "disability nursing subsidy")
    OTHER = ("other", "其他", "other")


class Category(CodedEnum):
    """儿童类别: the policy's categories, computed from the facts (see
    :mod:`carebook.model.categories`). A child may be in several."""

    LEFT_BEHIND = ("left_behind", "农村留守儿童", "left-behind child", "留守儿童", "留守")
    IN_DIFFICULTY = ("in_difficulty", "困境儿童", "child in difficulty", "困境")
    DE_FACTO_UNSUPPORTED = ("de_facto_unsupported", "事实无人抚养儿童", "de facto unsupported child", "事实无人抚养")
    ORPHAN = ("orphan", "散居孤儿", "orphan living in the community", "孤儿", "社会散居孤儿")
    KEY_CHILD = ("key_child", "重点儿童", "key child", "重点")


class LeftBehindSubtype(CodedEnum):
    """留守类型."""

    BOTH_PARENTS = ("both", "双亲留守", "both parents away")
    ONE_PARENT = ("one", "单亲留守", "one parent away")


class RiskColour(CodedEnum):
    """风险等级 (四色管理): red is the highest risk."""

    RED = ("red", "红色", "red", "红", "高风险")
    YELLOW = ("yellow", "黄色", "yellow", "黄", "较高风险")
    BLUE = ("blue", "蓝色", "blue", "蓝", "一般风险")
    GREEN = ("green", "绿色", "green", "绿", "低风险")

    @property
    def rank(self) -> int:
        """0 for red up to 3 for green: sort by this to put the riskiest first."""
        return ["red", "yellow", "blue", "green"].index(self.code)


class ClosingReason(CodedEnum):
    """销档原因: why a child leaves the register (never deleted)."""

    AGED_OUT = ("aged_out", "年满18周岁", "aged out", "满18岁", "成年")
    MOVED = ("moved", "户籍迁出", "moved away", "迁出", "搬走")
    ADOPTED = ("adopted", "被收养", "adopted", "收养")
    REUNITED = ("reunited", "父母返乡", "reunited with parents", "返乡")
    PARENT_RELEASED = ("parent_released", "父母刑满释放或戒毒期满", "parent released or rehabilitated")
    INDEPENDENT = ("independent", "独立生活", "lives independently")
    DECEASED = ("deceased", "死亡", "deceased")
    ERROR = ("error", "误录", "entered in error", "录入错误")
    OTHER = ("other", "其他", "other")


class VisitMethod(CodedEnum):
    """走访方式."""

    HOME = ("home", "入户走访", "home visit", "入户", "上门")
    PHONE = ("phone", "电话回访", "phone call", "电话")
    SCHOOL = ("school", "学校走访", "school visit", "学校")
    OTHER = ("other", "其他", "other")


class VisitKind(CodedEnum):
    """走访类型: a regular visit or a return visit (回访) following up earlier actions."""

    VISIT = ("visit", "定期走访", "regular visit", "走访")
    RETURN_VISIT = ("return", "回访", "return visit")


class EntrustmentReason(CodedEnum):
    """委托监护原因 (DOMAIN.md)."""

    BOTH_AWAY = ("both_away", "父母均外出务工", "both parents work away")
    ONE_AWAY_OTHER_INCAPABLE = ("one_away", "一方外出务工、另一方无监护能力", "one away, the other incapable")
    BOTH_INCAPABLE = ("both_incapable", "父母均无监护能力", "both parents incapable")


class EntrustmentStatus(CodedEnum):
    """委托监护确认书状态: drafted, printed, signed, then by date expiring and expired;
    renewed when a new confirmation replaces it; cancelled when withdrawn."""

    DRAFTED = ("drafted", "草稿", "drafted")
    PRINTED = ("printed", "已打印", "printed")
    SIGNED = ("signed", "已签订", "signed", "已签", "是")
    EXPIRING = ("expiring", "即将到期", "expiring")
    EXPIRED = ("expired", "已过期", "expired")
    RENEWED = ("renewed", "已续签", "renewed")
    CANCELLED = ("cancelled", "已作废", "cancelled")


class ReportSituation(CodedEnum):
    """强制报告情形 (2020 nine-department opinion on mandatory reporting, plus the child-director
    duties)."""

    PRIVATE_PARTS_INJURY = ("private_parts_injury", "生殖器官或隐私部位遭受或疑似遭受非正常损伤", "injury to private parts")
    SEXUAL_ASSAULT = ("sexual_assault", "不满十四周岁女性未成年人遭受或疑似遭受性侵害、怀孕、流产", "sexual assault, pregnancy or abortion of a girl under 14")
    ASSAULT_PREGNANCY = ("assault_pregnancy", "十四周岁以上女性未成年人遭受或疑似遭受性侵害所致怀孕、流产", "pregnancy or abortion of an older girl through assault")
    ABUSE_INJURIES = ("abuse_injuries", "身体存在多处损伤、严重营养不良、意识不清，存在或疑似存在受到家庭暴力、欺凌、虐待、殴打或者被人麻醉等情形", "injuries, malnutrition or impaired consciousness suggesting violence or abuse")
    ABNORMAL_HARM = ("abnormal_harm", "因自杀、自残、工伤、中毒、被人麻醉、殴打等非正常原因导致伤残、死亡", "disability or death from abnormal causes")
    ABANDONMENT = ("abandonment", "遭受或疑似遭受遗弃、长期无人照料", "abandonment or long-term lack of care")
    MISSING_TRAFFICKED = ("trafficked", "来源不明、失踪或者被拐卖、收买", "unknown origin, missing, trafficked or bought")
    ORGANISED_BEGGING = ("begging", "被组织乞讨", "organised begging")
    OTHER_SERIOUS_HARM = ("other_harm", "其他严重侵害未成年人身心健康或者正在面临不法侵害危险", "other serious or imminent harm")
    ALONE_UNDER_16 = ("alone_under_16", "未满十六周岁未成年人无人监护、独自居住", "child under 16 living alone")
    GUARDIAN_INCAPABLE = ("guardian_incapable", "监护人丧失监护能力或不履行监护职责", "guardian incapable or not caring")


class ReportStatus(CodedEnum):
    """强制报告处理状态."""

    OPEN = ("open", "待报告", "to report")
    REPORTED = ("reported", "已报案", "reported to police")
    FOLLOWING_UP = ("following_up", "跟进中", "following up")
    CLOSED = ("closed", "已办结", "closed")


class ReferralAgency(CodedEnum):
    """转介对象 (DOMAIN.md)."""

    EDUCATION = ("education", "教育部门（控辍保学）", "education (return to school)", "教育")
    POLICE = ("police", "公安机关（户籍登记）", "police (household registration)", "公安", "派出所")
    CIVIL_AFFAIRS = ("civil_affairs", "民政部门（救助保障）", "civil affairs (assistance)", "民政")
    DISABLED_FEDERATION = ("disabled_federation", "残联（康复）", "disabled persons' federation (rehabilitation)", "残联")
    JUSTICE = ("justice", "司法部门（法律援助）", "justice (legal aid)", "司法")
    YOUTH_LEAGUE_12355 = ("youth_12355", "共青团12355热线", "youth league hotline 12355", "12355", "共青团")
    WOMENS_FEDERATION = ("womens_federation", "妇联", "women's federation")
    HEALTH = ("health", "卫生健康部门", "health")
    SOCIAL_ORGANISATION = ("social_org", "社会组织", "social organisation")
    OTHER = ("other", "其他", "other")


class ReferralStatus(CodedEnum):
    """转介状态."""

    OPEN = ("open", "待转介", "to refer")
    REFERRED = ("referred", "已转介", "referred")
    IN_PROGRESS = ("in_progress", "处理中", "in progress")
    DONE = ("done", "已办结", "done")
    DECLINED = ("declined", "未受理", "declined")


class StaffRole(CodedEnum):
    """岗位: child director (village) or child supervisor (township)."""

    CHILD_DIRECTOR = ("director", "儿童主任", "child director")
    CHILD_SUPERVISOR = ("supervisor", "儿童督导员", "child supervisor", "督导员")


class EmploymentType(CodedEnum):
    """专兼职."""

    FULL_TIME = ("full_time", "专职", "full-time")
    PART_TIME = ("part_time", "兼职", "part-time")


class PoliticalStatus(CodedEnum):
    """政治面貌 (GB/T 4762-1984, main codes)."""

    CPC_MEMBER = ("01", "中共党员", "CPC member", "党员")
    CPC_PROBATIONARY = ("02", "中共预备党员", "CPC probationary member", "预备党员")
    CYL_MEMBER = ("03", "共青团员", "Communist Youth League member", "团员")
    DEMOCRATIC_PARTY = ("04", "民主党派成员", "member of a democratic party")
    NON_PARTISAN = ("12", "无党派人士", "non-partisan")
    MASSES = ("13", "群众", "no party affiliation")


class Education(CodedEnum):
    """学历 (GB/T 4658-2006, main codes)."""

    POSTGRADUATE = ("10", "研究生", "postgraduate")
    BACHELOR = ("20", "大学本科", "bachelor's degree", "本科")
    JUNIOR_COLLEGE = ("30", "大学专科", "junior college", "大专", "专科")
    SECONDARY_VOCATIONAL = ("40", "中等专科", "secondary vocational", "中专")
    SENIOR_MIDDLE = ("60", "普通高中", "senior middle school", "高中")
    JUNIOR_MIDDLE = ("70", "初中", "junior middle school")
    PRIMARY = ("80", "小学", "primary school")
    OTHER = ("90", "其他", "other")


class Role(CodedEnum):
    """安装角色: what this installation is."""

    VILLAGE = ("village", "村（居）", "village")
    TOWNSHIP = ("township", "乡镇（街道）", "township")
    COUNTY = ("county", "县（区）", "county")


for _cls, _zh, _en in [
    (Sex, "性别", "sex"),
    (OrgLevel, "组织层级", "organisation level"),
    (RegistrationType, "户籍性质", "registration type"),
    (HealthStatus, "健康状况", "health status"),
    (DisabilityCategory, "残疾类别", "disability category"),
    (DisabilityGrade, "残疾等级", "disability grade"),
    (SchoolingStage, "就学情况", "schooling"),
    (ParentStatus, "父母状况", "parent's situation"),
    (Relation, "与儿童关系", "relationship"),
    (GuardianshipQuality, "监护状况", "guardianship"),
    (IncomeSource, "收入来源", "income source"),
    (AssistanceType, "救助类型", "assistance type"),
    (Category, "儿童类别", "category"),
    (LeftBehindSubtype, "留守类型", "left-behind subtype"),
    (RiskColour, "风险等级", "risk colour"),
    (ClosingReason, "销档原因", "closing reason"),
    (VisitMethod, "走访方式", "visit method"),
    (VisitKind, "走访类型", "visit kind"),
    (EntrustmentReason, "委托原因", "entrustment reason"),
    (EntrustmentStatus, "确认书状态", "entrustment status"),
    (ReportSituation, "强制报告情形", "report situation"),
    (ReportStatus, "报告状态", "report status"),
    (ReferralAgency, "转介对象", "referral agency"),
    (ReferralStatus, "转介状态", "referral status"),
    (StaffRole, "岗位", "role"),
    (EmploymentType, "专兼职", "employment type"),
    (PoliticalStatus, "政治面貌", "political status"),
    (Education, "学历", "education"),
    (Role, "角色", "role"),
]:
    set_title(_cls, _zh, _en)
