"""Use cases that change the organisation tree and its people. Every door calls these."""

from django.db import IntegrityError, transaction

from audit.actions import created, diff, log_action, snapshot
from core.access import require
from core.errors import Conflict, RuleViolation
from org.models import (
    SUBJECT_NAMES,
    Guardian,
    Guardianship,
    Pupil,
    School,
    SchoolClass,
    Stage,
    Teacher,
    TeachingAssignment,
)
from org.roles import Role
from org.validators import clean_id_number, clean_name, clean_phone

SCHOOL_FIELDS = ["name", "code", "stage", "system", "ownership", "address"]
TEACHER_FIELDS = ["name", "gender", "id_number", "phone", "staff_no"]
PUPIL_FIELDS = ["name", "gender", "id_number", "student_no", "school_class"]


def _check_choice(value, choices, field, label):
    if value not in dict(choices):
        raise RuleViolation("invalid", f"{label}取值无效：{value}。", field)


def _require_bureau_scope(actor, bureau):
    if bureau.pk not in actor.scope.bureau_ids_for(Role.BUREAU_ADMIN):
        raise RuleViolation("forbidden_unit", "只能在本局管辖范围内操作。", "bureau")


def _save(obj, actor, code, *, before=None, fields=None):
    """Save, translating a uniqueness clash into a 409, and write the audit entry."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict("与已有记录重复（编码、身份证号或班级编号已存在）。") from None
    if before is None:
        log_action(obj, code, actor=actor, kind="create", changes=created(obj, fields))
    else:
        log_action(obj, code, actor=actor, changes=diff(before, snapshot(obj, fields)))
    return obj


def _clean_school(data):
    data["name"] = clean_name(data.get("name"), "name", "学校名称")
    if not (data.get("code") or "").strip():
        raise RuleViolation("required", "学校代码不能为空。", "code")
    _check_choice(data.get("stage"), Stage.choices, "stage", "学段")
    _check_choice(data.get("system", "6-3"), [("6-3", ""), ("5-4", "")], "system", "学制")
    _check_choice(data.get("ownership", "public"), School.Ownership.choices, "ownership",
                  "办学性质")


@transaction.atomic
def create_school(*, actor, bureau, **data):
    """A bureau admin adds a school to their bureau (or a bureau below it)."""
    require(actor, "create", School)
    _require_bureau_scope(actor, bureau)
    _clean_school(data)
    school = School(bureau=bureau, **{k: v for k, v in data.items() if k in SCHOOL_FIELDS})
    return _save(school, actor, "org.school.created", fields=SCHOOL_FIELDS)


@transaction.atomic
def update_school(*, actor, school, **data):
    require(actor, "change", school)
    before = snapshot(school, SCHOOL_FIELDS)
    merged = {**before, **{k: v for k, v in data.items() if v is not None}}
    _clean_school(merged)
    for field in SCHOOL_FIELDS:
        if field in data and data[field] is not None:
            setattr(school, field, merged[field])
    return _save(school, actor, "org.school.changed", before=before, fields=SCHOOL_FIELDS)


def _check_grade(school, grade):
    if grade not in school.grades:
        grades = "、".join(str(g) for g in school.grades)
        raise RuleViolation("invalid", f"{school.name}不设{grade}年级（可选：{grades}）。", "grade")


def _check_head_teacher(school, head_teacher):
    if head_teacher is not None and head_teacher.school_id != school.pk:
        raise RuleViolation("invalid", "班主任必须是本校教师。", "head_teacher")


@transaction.atomic
def create_class(*, actor, school, grade, number, head_teacher=None):
    require(actor, "create", SchoolClass)
    if not (school.bureau_id in actor.scope.bureau_ids_for(Role.BUREAU_ADMIN)
            or school.pk in actor.scope.admin_school_ids):
        raise RuleViolation("forbidden_unit", "只能为本人管辖的学校建班。", "school")
    _check_grade(school, grade)
    if number is None or number < 1 or number > 50:
        raise RuleViolation("invalid", "班号应为 1–50。", "number")
    _check_head_teacher(school, head_teacher)
    school_class = SchoolClass(school=school, grade=grade, number=number,
                               head_teacher=head_teacher)
    fields = ["school", "grade", "number", "head_teacher"]
    return _save(school_class, actor, "org.class.created", fields=fields)


UNCHANGED = object()


@transaction.atomic
def update_class(*, actor, school_class, head_teacher=UNCHANGED, number=None):
    """Change a class's number and/or head teacher (``head_teacher=None`` removes the post)."""
    require(actor, "change", school_class)
    fields = ["number", "head_teacher"]
    before = snapshot(school_class, fields)
    if number is not None:
        if number < 1 or number > 50:
            raise RuleViolation("invalid", "班号应为 1–50。", "number")
        school_class.number = number
    if head_teacher is not UNCHANGED:
        _check_head_teacher(school_class.school, head_teacher)
        school_class.head_teacher = head_teacher
    return _save(school_class, actor, "org.class.changed", before=before, fields=fields)


def _clean_teacher(data):
    data["name"] = clean_name(data.get("name"))
    if data.get("gender") not in ("", "M", "F", None):
        raise RuleViolation("invalid", "性别应为 男 或 女。", "gender")
    data["gender"] = data.get("gender") or ""
    if data.get("id_number"):
        data["id_number"] = clean_id_number(data["id_number"])
    data["phone"] = clean_phone(data.get("phone"), required=False)


@transaction.atomic
def create_teacher(*, actor, school, assignments=(), **data):
    """Add a staff member; ``assignments`` is a list of (school_class, subject) pairs."""
    require(actor, "create", Teacher)
    if not (school.bureau_id in actor.scope.bureau_ids_for(Role.BUREAU_ADMIN)
            or school.pk in actor.scope.admin_school_ids):
        raise RuleViolation("forbidden_unit", "只能为本人管辖的学校添加教职工。", "school")
    _clean_teacher(data)
    teacher = Teacher(school=school, **{k: v for k, v in data.items() if k in TEACHER_FIELDS})
    _save(teacher, actor, "org.teacher.created", fields=TEACHER_FIELDS)
    set_assignments(actor=actor, teacher=teacher, assignments=assignments)
    return teacher


@transaction.atomic
def update_teacher(*, actor, teacher, assignments=None, **data):
    require(actor, "change", teacher)
    before = snapshot(teacher, TEACHER_FIELDS)
    merged = {**{f: getattr(teacher, f) for f in TEACHER_FIELDS},
              **{k: v for k, v in data.items() if v is not None}}
    _clean_teacher(merged)
    for field in TEACHER_FIELDS:
        setattr(teacher, field, merged[field])
    _save(teacher, actor, "org.teacher.changed", before=before, fields=TEACHER_FIELDS)
    if assignments is not None:
        set_assignments(actor=actor, teacher=teacher, assignments=assignments)
    return teacher


def set_assignments(*, actor, teacher, assignments):
    """Replace a teacher's (class, subject) pairs. A pair held by another teacher is a 409."""
    pairs = set()
    for school_class, subject in assignments:
        if school_class.school_id != teacher.school_id:
            raise RuleViolation("invalid", "只能在本校班级任课。", "assignments")
        if subject not in SUBJECT_NAMES:
            raise RuleViolation("invalid", f"学科取值无效：{subject}。", "assignments")
        pairs.add((school_class.pk, subject))
    current = set(teacher.assignments.values_list("school_class_id", "subject"))
    if pairs == current:
        return
    teacher.assignments.exclude(
        pk__in=[a.pk for a in teacher.assignments.all()
                if (a.school_class_id, a.subject) in pairs]).delete()
    try:
        with transaction.atomic():
            TeachingAssignment.objects.bulk_create(
                TeachingAssignment(teacher=teacher, school_class_id=c, subject=s)
                for c, s in pairs - current)
    except IntegrityError:
        raise Conflict("该班级该学科已有任课教师。", "assignments") from None
    log_action(teacher, "org.teacher.changed", actor=actor,
               changes={"assignments": [sorted(map(list, current)), sorted(map(list, pairs))]})


def _clean_pupil(data, school):
    data["name"] = clean_name(data.get("name"))
    data["id_number"] = clean_id_number(data.get("id_number"))
    if data.get("gender") not in ("M", "F"):
        raise RuleViolation("invalid", "性别应为 男 或 女。", "gender")
    school_class = data.get("school_class")
    if school_class is None or school_class.school_id != school.pk:
        raise RuleViolation("invalid", "班级必须属于该学校。", "school_class")


def _pupil_scope_check(actor, school):
    if not (school.bureau_id in actor.scope.bureau_ids_for(Role.BUREAU_ADMIN)
            or school.pk in actor.scope.admin_school_ids):
        raise RuleViolation("forbidden_unit", "只能管理本人管辖学校的学生。", "school_class")


@transaction.atomic
def create_pupil(*, actor, school_class, guardians=(), **data):
    """Add a pupil to a class with their guardians [(name, phone, relation)]."""
    require(actor, "create", Pupil)
    school = school_class.school
    _pupil_scope_check(actor, school)
    data["school_class"] = school_class
    _clean_pupil(data, school)
    pupil = Pupil(school=school, **{k: v for k, v in data.items() if k in PUPIL_FIELDS})
    _save(pupil, actor, "org.pupil.created", fields=PUPIL_FIELDS)
    for name, phone, relation in guardians:
        name, phone = clean_name(name, "guardian_name", "家长姓名"), clean_phone(phone)
        guardian = Guardian.objects.filter(phone=phone).first() or \
            Guardian.objects.create(name=name, phone=phone)
        Guardianship.objects.get_or_create(guardian=guardian, pupil=pupil,
                                           defaults={"relation": relation or "other"})
    return pupil


@transaction.atomic
def update_pupil(*, actor, pupil, **data):
    require(actor, "change", pupil)
    before = snapshot(pupil, PUPIL_FIELDS)
    merged = {**{f: getattr(pupil, f) for f in PUPIL_FIELDS},
              **{k: v for k, v in data.items() if v is not None}}
    _clean_pupil(merged, pupil.school)
    for field in PUPIL_FIELDS:
        setattr(pupil, field, merged[field])
    return _save(pupil, actor, "org.pupil.changed", before=before, fields=PUPIL_FIELDS)


def reveal_id_number(*, actor, pupil):
    """The unmasked ID number, for roles that administer the roll. Every read is audited."""
    require(actor, "reveal", pupil)
    log_action(pupil, "org.pupil.id_number.read", actor=actor, kind="access")
    return pupil.id_number
