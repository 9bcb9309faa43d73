"""Logins and roles: opening accounts for staff and guardians, granting and revoking roles.

Who may grant what (deny unless listed):
- a bureau admin grants any bureau role in their bureau's tree, school_admin and grade_leader in
  its schools, institution_staff in its institutions and custodian_bank for the bureau;
- a school admin grants grade_leader in their own school;
- nobody grants a role to themselves.
Teacher and guardian roles are not granted: they follow from the teacher's teaching assignments
and head-teacher posts, and from a guardian's links to pupils.
"""

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.actions import log_action
from core.access import require
from core.errors import Conflict, RuleViolation
from org.models import RoleAssignment, User
from org.roles import Role

USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")


def _clean_credentials(username, password):
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise RuleViolation("invalid", "用户名须为 3–150 位字母、数字或 _ . @ + -。", "username")
    try:
        validate_password(password or "")
    except ValidationError as e:
        raise RuleViolation("invalid", "密码不符合要求：" + "；".join(e.messages), "password") \
            from None
    return username


def _new_user(*, username, password, name, phone=""):
    user = User(username=username, name=name, phone=phone)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict("该用户名已被使用。", "username") from None
    return user


def _can_manage_school(scope, school):
    return (school.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN)
            or school.pk in scope.admin_school_ids)


@transaction.atomic
def create_account(*, actor, username, password, name, phone=""):
    """A standalone login (bureau sections, inspectors, institutions, the bank); grant its role
    next, in the same transaction."""
    require(actor, "create", User)
    if not actor.scope.bureau_ids_for(Role.BUREAU_ADMIN):
        raise RuleViolation("forbidden_unit", "只有教育局管理员可以新建独立账号。", "username")
    from org.validators import clean_name, clean_phone

    user = _new_user(username=_clean_credentials(username, password), password=password,
                     name=clean_name(name), phone=clean_phone(phone, required=False))
    log_action(user, "org.account.opened", actor=actor, kind="create",
               changes={"username": [None, user.username]})
    return user


@transaction.atomic
def open_teacher_account(*, actor, teacher, username, password):
    """Give a staff member a login; their roles follow from their assignments."""
    require(actor, "create", User)
    if not _can_manage_school(actor.scope, teacher.school):
        raise RuleViolation("forbidden_unit", "只能为本人管辖学校的教职工开通账号。", "teacher")
    if teacher.user_id:
        raise Conflict("该教职工已有登录账号。", "teacher", code="account_exists")
    user = _new_user(username=_clean_credentials(username, password), password=password,
                     name=teacher.name, phone=teacher.phone)
    teacher.user = user
    teacher.save(update_fields=["user"])
    log_action(user, "org.account.opened", actor=actor, kind="create",
               changes={"username": [None, user.username], "teacher": [None, teacher.name]})
    return user


@transaction.atomic
def open_guardian_account(*, actor, guardian, username, password):
    """Give a guardian a login (school admins and the head teacher of one of their children)."""
    scope = actor.scope
    pupils = list(guardian.pupils.select_related("school"))
    allowed = any(_can_manage_school(scope, p.school) or p.school_class_id in scope.head_class_ids
                  for p in pupils)
    if not allowed:
        raise RuleViolation("forbidden_unit", "只能为本校（本班）学生的家长开通账号。", "guardian")
    if guardian.user_id:
        raise Conflict("该家长已有登录账号。", "guardian", code="account_exists")
    user = _new_user(username=_clean_credentials(username, password), password=password,
                     name=guardian.name, phone=guardian.phone)
    guardian.user = user
    guardian.save(update_fields=["user"])
    log_action(user, "org.account.opened", actor=actor, kind="create",
               changes={"username": [None, user.username], "guardian": [None, guardian.name]})
    return user


def _check_grant(scope, actor, user, role, bureau, school, grade, institution):
    if user.pk == actor.pk:
        raise RuleViolation("forbidden_unit", "不能给自己分配角色。", "user")
    bureaus = scope.bureau_ids_for(Role.BUREAU_ADMIN)
    if role in Role.BUREAU_ROLES or role == Role.CUSTODIAN_BANK:
        ok = bureau is not None and bureau.pk in bureaus
    elif role == Role.SCHOOL_ADMIN:
        ok = school is not None and school.bureau_id in bureaus
    elif role == Role.PSYCHOLOGIST:
        ok = school is not None and _can_manage_school(scope, school)
    elif role == Role.GRADE_LEADER:
        ok = school is not None and _can_manage_school(scope, school) and grade in school.grades
    elif role == Role.INSTITUTION_STAFF:
        ok = institution is not None and institution.bureau_id in bureaus
    else:
        raise RuleViolation("invalid", "班主任、任课教师和家长角色由任课安排和监护关系自动产生，"
                            "无需分配。", "role")
    if not ok:
        raise RuleViolation("forbidden_unit", "您不能在该单位分配此角色。", "role")


@transaction.atomic
def grant_role(*, actor, user, role, bureau=None, school=None, grade=None, institution=None):
    require(actor, "change", User)
    if role not in Role.values:
        raise RuleViolation("invalid", f"角色取值无效：{role}。", "role")
    role = Role(role)
    _check_grant(actor.scope, actor, user, role, bureau, school, grade, institution)
    assignment = RoleAssignment(user=user, role=role, bureau=bureau, school=school,
                                grade=grade if role == Role.GRADE_LEADER else None,
                                institution=institution)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        raise Conflict("该用户已拥有此角色。", "role") from None
    log_action(user, "org.role.granted", actor=actor,
               changes={"roles": [None, str(assignment)]})
    return assignment


@transaction.atomic
def revoke_role(*, actor, assignment):
    require(actor, "change", User)
    _check_grant(actor.scope, actor, assignment.user, Role(assignment.role), assignment.bureau,
                 assignment.school, assignment.grade, assignment.institution)
    log_action(assignment.user, "org.role.revoked", actor=actor,
               changes={"roles": [str(assignment), None]})
    assignment.delete()


def _require_reach(actor, user):
    require(actor, "change", user)
    if not User.objects.visible_to(actor).filter(pk=user.pk).exists():
        raise RuleViolation("forbidden_unit", "该账号不在您的管辖范围内。", "user")


@transaction.atomic
def reset_password(*, actor, user, password):
    _require_reach(actor, user)
    if user.pk == actor.pk:
        raise RuleViolation("invalid", "请通过“修改密码”修改自己的密码。", "user")
    _clean_credentials(user.username, password)
    user.set_password(password)
    user.save(update_fields=["password"])
    user.api_tokens.all().delete()  # a reset also ends every API session
    log_action(user, "org.account.password_reset", actor=actor)
    return user


@transaction.atomic
def set_active(*, actor, user, active):
    _require_reach(actor, user)
    if user.pk == actor.pk:
        raise RuleViolation("invalid", "不能停用自己的账号。", "user")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        user.api_tokens.all().delete()
    log_action(user, "org.account.activated" if active else "org.account.deactivated",
               actor=actor, changes={"is_active": [str(not active), str(active)]})
    return user
