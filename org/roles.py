"""The roles of DOMAIN.md. A role is always held in an organisation unit (see RoleAssignment)."""

from django.db import models


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", "教育局管理员"
    SUPERVISOR = "supervisor", "校外培训监管科"
    INSPECTOR = "inspector", "督学/执法人员"
    SCHOOL_ADMIN = "school_admin", "学校管理员（校长/教导处）"
    GRADE_LEADER = "grade_leader", "年级组长"
    HEAD_TEACHER = "head_teacher", "班主任"
    SUBJECT_TEACHER = "subject_teacher", "任课教师"
    GUARDIAN = "guardian", "家长"
    INSTITUTION_STAFF = "institution_staff", "培训机构人员"
    CUSTODIAN_BANK = "custodian_bank", "存管银行"
    HOTLINE = "hotline", "投诉热线接待"
    ETHICS_OFFICER = "ethics_officer", "师德师风专员"
    PSYCHOLOGIST = "psychologist", "心理健康教师"


# Attributes on an Enum subclass would become members, so the groups live beside it.
Role.BUREAU_ROLES = frozenset({Role.BUREAU_ADMIN, Role.SUPERVISOR, Role.INSPECTOR, Role.HOTLINE,
                               Role.ETHICS_OFFICER})
Role.SCHOOL_ROLES = frozenset(
    {Role.SCHOOL_ADMIN, Role.GRADE_LEADER, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER}
)
Role.ALL_STAFF = Role.BUREAU_ROLES | Role.SCHOOL_ROLES
