"""Synthetic sample data for the forms: previews, tests and benchmarks.

All people, numbers and places here are invented. ID numbers have valid check characters
(GB 11643-1999) but belong to nobody: the address code 110101 with made-up sequences.
"""

from __future__ import annotations

import datetime as dt

from carebook.documents.form_data import (
    AssistanceItem,
    ChildFileData,
    ChildSummary,
    DocumentKind,
    DocumentRef,
    EntrustmentFormData,
    EntrustmentReason,
    FollowUp,
    PersonInfo,
    Referral,
    ReportRecordData,
    RosterData,
    RosterRow,
    VisitRecord,
    VisitSheetData,
)


def id_number(birth: dt.date, seq: int) -> str:
    """A synthetic resident ID number with a correct ISO 7064 MOD 11-2 check character."""
    body = f"110101{birth:%Y%m%d}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


CHILD_ID = "6f1c1f9e-2b7a-4c55-9f59-0d1e5a2b7c01"
DOC_ID = "0b8d4a52-7e0f-4f7e-a7a4-3f2d8c9e1a10"


def sample_child(name: str = "张𠀀", record_id: str = CHILD_ID) -> ChildSummary:
    """A left-behind child with an Extension B character in the name by default."""
    birth = dt.date(2015, 6, 18)
    return ChildSummary(
        record_id=record_id,
        name=name,
        sex="男",
        date_of_birth=birth,
        id_number=id_number(birth, 31),
        ethnic_group="汉族",
        registered_address="某某省某某市某某县幸福镇向阳村3组18号",
        current_address="某某省某某市某某县幸福镇向阳村3组18号（祖父母家）",
        school="向阳村小学 四年级",
        categories=("农村留守儿童",),
        village="向阳村",
        township="幸福镇",
        county="某某县",
    )


def sample_parents() -> tuple[PersonInfo, PersonInfo]:
    """Father and mother, both working away."""
    return (
        PersonInfo(
            name="张建国",
            relation="父亲",
            id_number=id_number(dt.date(1986, 3, 2), 11),
            phone="13800000001",
            workplace="广东省东莞市长安镇某电子厂",
            status="外出务工",
        ),
        PersonInfo(
            name="李秀英",
            relation="母亲",
            id_number=id_number(dt.date(1988, 11, 9), 22),
            phone="13900000002",
            workplace="浙江省宁波市北仑区某服装厂",
            status="外出务工",
        ),
    )


def sample_guardian() -> PersonInfo:
    """The paternal grandmother as entrusted guardian."""
    return PersonInfo(
        name="王桂兰",
        relation="祖母",
        id_number=id_number(dt.date(1958, 1, 20), 42),
        phone="13700000003",
        address="某某省某某市某某县幸福镇向阳村3组18号",
        health="健康",
    )


def sample_entrustment(
    child_name: str = "张𠀀", document_id: str = DOC_ID, version: int = 3
) -> EntrustmentFormData:
    """A complete entrustment confirmation."""
    return EntrustmentFormData(
        ref=DocumentRef(
            kind=DocumentKind.ENTRUSTMENT,
            document_id=document_id,
            child_id=CHILD_ID,
            record_version=version,
            issued_on=dt.date(2026, 3, 1),
        ),
        child=sample_child(child_name),
        parents=sample_parents(),
        guardian=sample_guardian(),
        reason=EntrustmentReason.BOTH_AWAY,
        period_from=dt.date(2026, 3, 1),
        period_to=dt.date(2027, 2, 28),
        village_committee="某某县幸福镇向阳村村民委员会",
        child_director="刘芳",
        child_director_phone="13600000004",
    )


def sample_visit() -> VisitRecord:
    """A filled home visit."""
    return VisitRecord(
        visited_at=dt.datetime(2026, 4, 12, 15, 30),
        method="入户",
        place="向阳村3组18号（祖父母家）",
        visitors="刘芳（儿童主任）",
        interviewee="王桂兰",
        interviewee_relation="祖母",
        last_parent_contact="2026年4月10日，母亲视频通话",
        living_conditions="砖混结构住房两间，卫生尚可，有独立学习桌。",
        family_situation="父母在外务工，祖父患高血压，家庭收入以务工工资为主。",
        guardianship="祖母照料饮食起居，监护较好。",
        mental_state="性格开朗，偶尔想念父母。",
        schooling="四年级，成绩中等，按时到校。",
        health="健康。",
        guardian_opinion="希望学校放学后有人看护作业。",
        actions="讲解防溺水安全知识；联系学校了解课后服务。",
        suggested_help="申请课后托管服务。",
        mark_key_child=False,
        next_visit_on=dt.date(2026, 7, 12),
    )


def sample_visit_sheet(filled: bool = True) -> VisitSheetData:
    """A visit sheet, filled or blank."""
    return VisitSheetData(
        ref=DocumentRef(
            DocumentKind.VISIT_SHEET,
            "1c3e5a7b-9d2f-4a6b-8c0d-1e2f3a4b5c6d",
            CHILD_ID,
            7,
            dt.date(2026, 4, 12),
        ),
        child=sample_child(),
        guardian=sample_guardian(),
        parents=sample_parents(),
        visit=sample_visit() if filled else None,
        child_director="刘芳",
    )


def sample_child_file() -> ChildFileData:
    """A child file cover and summary."""
    return ChildFileData(
        ref=DocumentRef(
            DocumentKind.CHILD_FILE,
            "2d4f6a8c-0e1a-4b3c-9d5e-7f8a9b0c1d2e",
            CHILD_ID,
            12,
            dt.date(2026, 4, 12),
        ),
        child=sample_child(),
        parents=sample_parents(),
        guardian=sample_guardian(),
        grandparents=(
            PersonInfo(name="张德福", relation="祖父", date_of_birth=dt.date(1955, 5, 1)),
            PersonInfo(name="王桂兰", relation="祖母", date_of_birth=dt.date(1958, 1, 20)),
        ),
        lives_with="祖父母",
        guardianship_assessment="好",
        health="健康",
        risk_colour="蓝色",
        key_child=False,
        income_sources=("外出务工收入", "种植"),
        assistance=(AssistanceItem("临时救助", "2025年12月", "800元（一次性）"),),
        service_plan="每季度入户走访一次；寒暑假前开展安全教育；协助申请课后托管。",
        entrustment_status="已签署（2026年3月1日至2027年2月28日）",
        recent_visits=(
            (dt.date(2026, 4, 12), "刘芳", "监护较好，建议申请课后托管。"),
            (dt.date(2026, 1, 8), "刘芳", "寒假安全教育，家中取暖安全检查。"),
        ),
        opened_on=dt.date(2024, 9, 1),
        child_director="刘芳",
        file_number="向阳村-2024-031",
    )


def sample_report() -> ReportRecordData:
    """A mandatory report record."""
    return ReportRecordData(
        ref=DocumentRef(
            DocumentKind.REPORT_RECORD,
            "3e5a7c9e-1f2b-4c4d-8e6f-8a9b0c1d2e3f",
            CHILD_ID,
            2,
            dt.date(2026, 5, 3),
        ),
        child=sample_child(),
        situations=(
            "未成年人身体存在多处损伤、严重营养不良、意识不清，存在或者疑似存在受到家庭暴力、"
            "欺凌、虐待、殴打或者被人麻醉等情形的",
        ),
        found_at=dt.datetime(2026, 5, 2, 17, 20),
        reported_at=dt.datetime(2026, 5, 2, 17, 45),
        reporter="刘芳",
        reporter_unit="向阳村村民委员会",
        police_station="某某县公安局幸福派出所",
        officer="陈警官",
        receipt_number="幸派受字〔2026〕0512号",
        description="入户走访时发现儿童手臂有多处淤青，儿童称系被他人殴打。",
        follow_ups=(
            FollowUp(dt.date(2026, 5, 3), "派出所出警调查，已通知父母返乡。", "刘芳"),
            FollowUp(dt.date(2026, 5, 10), "回访：伤情好转，暂由外祖母照料。", "刘芳"),
        ),
        referrals=(Referral("县妇联", "心理疏导", "已受理", "每周一次心理辅导"),),
        outcome="跟进中",
    )


def sample_roster(rows: int = 200) -> RosterData:
    """A township roster with ``rows`` synthetic children across a few villages."""
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = ["子涵", "浩然", "欣怡", "梓萱", "宇轩", "一诺", "雨桐", "思远", "佳怡", "俊杰"]
    villages = ["向阳村", "红星村", "东风社区", "柳林村", "石桥村"]
    out = []
    for i in range(rows):
        birth = dt.date(2010 + i % 14, 1 + i % 12, 1 + i % 28)
        name = surnames[i % len(surnames)] + given[i % len(given)]
        if i == 7:
            name = "吉𠮷"
        out.append(
            RosterRow(
                village=villages[i % len(villages)],
                name=name,
                sex="男" if i % 2 else "女",
                date_of_birth=birth,
                id_number=id_number(birth, 100 + i % 800),
                categories="农村留守儿童" if i % 3 else "困境儿童",
                guardian=f"{surnames[(i + 3) % len(surnames)]}桂兰（祖母）",
                guardian_phone=f"1370000{i:04d}",
                address=f"{villages[i % len(villages)]}{1 + i % 9}组{10 + i}号",
                child_director="刘芳",
                last_visit=dt.date(2026, 1 + i % 4, 1 + i % 27),
                risk_colour=["绿", "蓝", "黄", "红"][i % 4],
            )
        )
    return RosterData(
        ref=DocumentRef(
            DocumentKind.ROSTER, "4f6b8d0f-2a3c-4d5e-9f70-9b0c1d2e3f4a", "", 0, dt.date(2026, 6, 1)
        ),
        township="某某县幸福镇",
        rows=tuple(out),
        prepared_by="赵敏（儿童督导员）",
    )
