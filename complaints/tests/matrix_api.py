"""Permission rows of the complaints API (collected by test_permissions). Objects: see
``matrix_objects``."""

from complaints.tests.matrix_objects import (
    _acked,
    _in_progress,
    _inst_acked,
    _resolved,
    _school,
    _school2,
    _tutoring,
    complaint_id,
    png,
)

SCHOOL, TUTOR = complaint_id(_school), complaint_id(_tutoring)
ACKED, IN_PROGRESS, RESOLVED = (complaint_id(_acked), complaint_id(_in_progress),
                                complaint_id(_resolved))
INST_ACKED = complaint_id(_inst_acked)


def _code(c):
    return {"code": _school(c).code}


MATRIX = [
    ("api-1:list_complaints", None, "anonymous", 401),
    ("api-1:list_complaints", None, "hotline", 200),
    ("api-1:list_complaints", None, "principal", 200),
    ("api-1:list_complaints", None, "inspector", 200),
    ("api-1:list_complaints", None, "teacher_a", 403),
    ("api-1:list_complaints", None, "guardian_p", 403),
    ("api-1:list_complaints", None, "bank", 403),
    ("api-1:list_complaints", None, "institution_staff", 403),

    ("api-1:get_complaint", SCHOOL, "anonymous", 401),
    ("api-1:get_complaint", SCHOOL, "principal", 200),
    ("api-1:get_complaint", SCHOOL, "inspector", 200),
    ("api-1:get_complaint", SCHOOL, "supervisor", 404),
    ("api-1:get_complaint", SCHOOL, "bureau_admin_b", 404),
    ("api-1:get_complaint", SCHOOL, "teacher_a", 403),
    ("api-1:get_complaint", TUTOR, "ethics_officer", 200),
    ("api-1:get_complaint", TUTOR, "principal", 404),

    ("api-1:complaint_statistics", None, "anonymous", 401),
    ("api-1:complaint_statistics", None, "bureau_admin", 200),
    ("api-1:complaint_statistics", None, "principal", 200),
    ("api-1:complaint_statistics", None, "guardian_p", 403),

    ("api-1:reveal_complainant", SCHOOL, "principal", 200),
    ("api-1:reveal_complainant", SCHOOL, "hotline", 200),
    ("api-1:reveal_complainant", SCHOOL, "inspector", 403),
    ("api-1:reveal_complainant", SCHOOL, "supervisor", 404),
    ("api-1:reveal_complainant", SCHOOL, "anonymous", 401),

    ("api-1:public_track_complaint", _code, "anonymous", 200),
    ("api-1:public_track_complaint", _code, "teacher_a", 200),
]

POST_MATRIX = [
    ("api-1:public_file_complaint", None, "anonymous", 201),
    ("api-1:file_complaint", None, "hotline", 201),
    ("api-1:file_complaint", None, "bureau_admin", 201),
    ("api-1:file_complaint", None, "principal", 403),
    ("api-1:file_complaint", None, "anonymous", 401),

    ("api-1:acknowledge_complaint", SCHOOL, "principal", 200),
    ("api-1:acknowledge_complaint", SCHOOL, "hotline", 403),
    ("api-1:acknowledge_complaint", SCHOOL, "inspector", 403),
    ("api-1:acknowledge_complaint", SCHOOL, "supervisor", 404),
    ("api-1:acknowledge_complaint", SCHOOL, "bureau_admin_b", 404),
    ("api-1:acknowledge_complaint", SCHOOL, "anonymous", 401),
    ("api-1:start_complaint", ACKED, "principal", 200),
    ("api-1:start_complaint", ACKED, "inspector", 403),
    ("api-1:resolve_complaint", IN_PROGRESS, "principal", 200),
    ("api-1:resolve_complaint", IN_PROGRESS, "hotline", 403),
    ("api-1:close_complaint", RESOLVED, "principal", 200),
    ("api-1:close_complaint", RESOLVED, "ethics_officer", 404),
    ("api-1:reject_complaint", SCHOOL, "principal", 200),
    ("api-1:reject_complaint", SCHOOL, "hotline", 403),
    ("api-1:reply_complaint", SCHOOL, "hotline", 200),
    ("api-1:reply_complaint", SCHOOL, "inspector", 403),
    ("api-1:merge_complaint", SCHOOL, "hotline", 200),
    ("api-1:merge_complaint", SCHOOL, "inspector", 403),
    ("api-1:reassign_complaint", SCHOOL, "hotline", 200),
    ("api-1:reassign_complaint", SCHOOL, "principal", 403),
    ("api-1:issue_complaint_card", INST_ACKED, "supervisor", 201),
    ("api-1:issue_complaint_card", INST_ACKED, "inspector", 403),
    ("api-1:issue_complaint_card", INST_ACKED, "principal", 404),
    ("api-1:link_complaint", TUTOR, "ethics_officer", 201),
    ("api-1:link_complaint", TUTOR, "principal", 404),
    ("api-1:add_complaint_attachment", SCHOOL, "principal", 201),
    ("api-1:add_complaint_attachment", SCHOOL, "inspector", 403),
    ("api-1:add_complaint_attachment", SCHOOL, "supervisor", 404),
]


def _filing(c):
    return {"category": "other", "subject": "其他问题", "details": "需要核实的情况比较复杂。",
            "anonymous": True}


POST_DATA = {
    "api-1:public_file_complaint": lambda c: {**_filing(c), "bureau_code": c.district_a.code},
    "api-1:file_complaint": _filing,
    "api-1:resolve_complaint": lambda c: {"outcome": "已处理"},
    "api-1:reject_complaint": lambda c: {"reason": "不属于受理范围"},
    "api-1:reply_complaint": lambda c: {"text": "内部备注", "public": False},
    "api-1:merge_complaint": lambda c: {"duplicate_of": _school2(c).pk},
    "api-1:reassign_complaint": lambda c: {"section": "supervisor", "reason": "转办"},
    "api-1:issue_complaint_card": lambda c: {"colour": "yellow", "reason": "违规培训"},
    "api-1:link_complaint": lambda c: {"kind": "ethics_case", "object_id": 9},
    "api-1:add_complaint_attachment": lambda c: {"file": png()},
}
MULTIPART = {"api-1:add_complaint_attachment"}
