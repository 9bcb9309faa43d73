"""Permission rows of the complaint pages (collected by test_permissions). Objects: see
``matrix_objects``. POST-only pages have one GET row (anonymous → login) here and their real
rows in POST_MATRIX."""

from complaints.tests.matrix_objects import (
    _acked,
    _attachment,
    _in_progress,
    _inst_acked,
    _institution,
    _resolved,
    _school,
    _school2,
    _tutoring,
    pk,
    png,
)
from org.tests.test_permissions import LOGIN

SCHOOL, INST, TUTOR = pk(_school), pk(_institution), pk(_tutoring)
ACKED, IN_PROGRESS, RESOLVED, INST_ACKED = (pk(_acked), pk(_in_progress), pk(_resolved),
                                            pk(_inst_acked))
ATTACHMENT = pk(_attachment)

MATRIX = [
    ("complaints:index", None, "anonymous", LOGIN),
    ("complaints:index", None, "hotline", 200),
    ("complaints:index", None, "bureau_admin", 200),
    ("complaints:index", None, "supervisor", 200),
    ("complaints:index", None, "ethics_officer", 200),
    ("complaints:index", None, "inspector", 200),
    ("complaints:index", None, "principal", 200),
    ("complaints:index", None, "bureau_admin_b", 200),  # their own district's (none)
    ("complaints:index", None, "teacher_a", 403),
    ("complaints:index", None, "head_teacher_a", 403),
    ("complaints:index", None, "guardian_p", 403),
    ("complaints:index", None, "institution_staff", 403),
    ("complaints:index", None, "bank", 403),

    ("complaints:file", None, "anonymous", LOGIN),
    ("complaints:file", None, "hotline", 200),
    ("complaints:file", None, "bureau_admin", 200),
    ("complaints:file", None, "principal", 403),
    ("complaints:file", None, "inspector", 403),
    ("complaints:file", None, "supervisor", 403),
    ("complaints:file", None, "teacher_a", 403),

    ("complaints:statistics", None, "anonymous", LOGIN),
    ("complaints:statistics", None, "bureau_admin", 200),
    ("complaints:statistics", None, "hotline", 200),
    ("complaints:statistics", None, "principal", 200),
    ("complaints:statistics", None, "inspector", 200),
    ("complaints:statistics", None, "teacher_a", 403),
    ("complaints:statistics", None, "guardian_p", 403),

    ("complaints:export", None, "anonymous", LOGIN),
    ("complaints:export", None, "bureau_admin", 200),
    ("complaints:export", None, "principal", 200),
    ("complaints:export", None, "teacher_a", 403),
    ("complaints:export", None, "institution_staff", 403),

    ("complaints:detail", SCHOOL, "anonymous", LOGIN),
    ("complaints:detail", SCHOOL, "principal", 200),
    ("complaints:detail", SCHOOL, "hotline", 200),
    ("complaints:detail", SCHOOL, "bureau_admin", 200),
    ("complaints:detail", SCHOOL, "inspector", 200),
    ("complaints:detail", SCHOOL, "supervisor", 404),
    ("complaints:detail", SCHOOL, "ethics_officer", 404),
    ("complaints:detail", SCHOOL, "bureau_admin_b", 404),
    ("complaints:detail", SCHOOL, "hotline_b", 404),
    ("complaints:detail", SCHOOL, "teacher_a", 403),
    ("complaints:detail", SCHOOL, "guardian_p", 403),
    ("complaints:detail", INST, "supervisor", 200),
    ("complaints:detail", INST, "ethics_officer", 404),
    ("complaints:detail", INST, "principal", 404),
    ("complaints:detail", TUTOR, "ethics_officer", 200),
    ("complaints:detail", TUTOR, "principal", 404),
    ("complaints:detail", TUTOR, "supervisor", 404),

    ("complaints:attachment", ATTACHMENT, "anonymous", LOGIN),
    ("complaints:attachment", ATTACHMENT, "principal", 200),
    ("complaints:attachment", ATTACHMENT, "inspector", 200),
    ("complaints:attachment", ATTACHMENT, "hotline", 200),
    ("complaints:attachment", ATTACHMENT, "supervisor", 404),
    ("complaints:attachment", ATTACHMENT, "bureau_admin_b", 404),
    ("complaints:attachment", ATTACHMENT, "teacher_a", 403),

    # POST only: see POST_MATRIX
    ("complaints:acknowledge", SCHOOL, "anonymous", LOGIN),
    ("complaints:start", ACKED, "anonymous", LOGIN),
    ("complaints:resolve", IN_PROGRESS, "anonymous", LOGIN),
    ("complaints:close", RESOLVED, "anonymous", LOGIN),
    ("complaints:reject", SCHOOL, "anonymous", LOGIN),
    ("complaints:reply", SCHOOL, "anonymous", LOGIN),
    ("complaints:merge", SCHOOL, "anonymous", LOGIN),
    ("complaints:reassign", SCHOOL, "anonymous", LOGIN),
    ("complaints:card", INST_ACKED, "anonymous", LOGIN),
    ("complaints:link", SCHOOL, "anonymous", LOGIN),
    ("complaints:attach", SCHOOL, "anonymous", LOGIN),
    ("complaints:reveal", SCHOOL, "anonymous", LOGIN),
]

POST_MATRIX = [
    ("complaints:acknowledge", SCHOOL, "principal", 302),
    ("complaints:acknowledge", SCHOOL, "bureau_admin", 302),
    ("complaints:acknowledge", SCHOOL, "hotline", 403),
    ("complaints:acknowledge", SCHOOL, "inspector", 403),
    ("complaints:acknowledge", SCHOOL, "teacher_a", 403),
    ("complaints:acknowledge", SCHOOL, "supervisor", 404),
    ("complaints:acknowledge", SCHOOL, "bureau_admin_b", 404),
    ("complaints:acknowledge", SCHOOL, "anonymous", LOGIN),
    ("complaints:acknowledge", INST, "supervisor", 302),
    ("complaints:acknowledge", TUTOR, "ethics_officer", 302),
    ("complaints:acknowledge", TUTOR, "principal", 404),

    ("complaints:start", ACKED, "principal", 302),
    ("complaints:start", ACKED, "hotline", 403),
    ("complaints:start", ACKED, "inspector", 403),
    ("complaints:start", ACKED, "supervisor", 404),

    ("complaints:resolve", IN_PROGRESS, "principal", 302),
    ("complaints:resolve", IN_PROGRESS, "inspector", 403),
    ("complaints:resolve", IN_PROGRESS, "bureau_admin_b", 404),

    ("complaints:close", RESOLVED, "principal", 302),
    ("complaints:close", RESOLVED, "hotline", 403),

    ("complaints:reject", SCHOOL, "principal", 302),
    ("complaints:reject", SCHOOL, "bureau_admin", 302),
    ("complaints:reject", SCHOOL, "inspector", 403),
    ("complaints:reject", SCHOOL, "ethics_officer", 404),

    ("complaints:reply", SCHOOL, "principal", 302),
    ("complaints:reply", SCHOOL, "hotline", 302),
    ("complaints:reply", SCHOOL, "inspector", 403),
    ("complaints:reply", SCHOOL, "teacher_a", 403),
    ("complaints:reply", SCHOOL, "supervisor", 404),

    ("complaints:merge", SCHOOL, "hotline", 302),
    ("complaints:merge", SCHOOL, "principal", 302),
    ("complaints:merge", SCHOOL, "inspector", 403),
    ("complaints:merge", SCHOOL, "supervisor", 404),

    ("complaints:reassign", SCHOOL, "hotline", 302),
    ("complaints:reassign", SCHOOL, "bureau_admin", 302),
    ("complaints:reassign", SCHOOL, "principal", 403),
    ("complaints:reassign", SCHOOL, "inspector", 403),
    ("complaints:reassign", SCHOOL, "hotline_b", 404),

    ("complaints:card", INST_ACKED, "supervisor", 302),
    ("complaints:card", INST_ACKED, "bureau_admin", 302),
    ("complaints:card", INST_ACKED, "inspector", 403),
    ("complaints:card", INST_ACKED, "hotline", 403),
    ("complaints:card", INST_ACKED, "principal", 404),
    ("complaints:card", INST_ACKED, "ethics_officer", 404),

    ("complaints:link", SCHOOL, "principal", 302),
    ("complaints:link", SCHOOL, "bureau_admin", 302),
    ("complaints:link", SCHOOL, "hotline", 403),
    ("complaints:link", SCHOOL, "inspector", 403),
    ("complaints:link", TUTOR, "ethics_officer", 302),

    ("complaints:attach", SCHOOL, "principal", 302),
    ("complaints:attach", SCHOOL, "hotline", 302),
    ("complaints:attach", SCHOOL, "inspector", 403),
    ("complaints:attach", SCHOOL, "supervisor", 404),

    ("complaints:reveal", SCHOOL, "principal", 200),
    ("complaints:reveal", SCHOOL, "hotline", 200),
    ("complaints:reveal", SCHOOL, "bureau_admin", 200),
    ("complaints:reveal", SCHOOL, "inspector", 403),
    ("complaints:reveal", SCHOOL, "teacher_a", 403),
    ("complaints:reveal", SCHOOL, "supervisor", 404),
    ("complaints:reveal", SCHOOL, "bureau_admin_b", 404),
]

POST_DATA = {
    "complaints:acknowledge": lambda c: {"note": "已受理"},
    "complaints:resolve": lambda c: {"outcome": "已处理"},
    "complaints:reject": lambda c: {"reason": "不属于受理范围"},
    "complaints:reply": lambda c: {"text": "内部备注", "visibility": "internal"},
    "complaints:merge": lambda c: {"main": _school2(c).code},
    "complaints:reassign": lambda c: {"unit": "section:supervisor", "reason": "转办"},
    "complaints:card": lambda c: {"colour": "yellow", "reason": "违规培训"},
    "complaints:link": lambda c: {"kind": "inspection", "object_id": "3"},
    "complaints:attach": lambda c: {"file": png()},
}
