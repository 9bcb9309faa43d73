"""Use cases of the homework library (QM-5): contribute, change, delete, rate, select as an
excellent design, and file homework from a library item. Every door (web, API) calls these.

The aggregates on ``ResourceItem`` (rating count and star total, times used) move only through
``F()`` updates in the transaction that writes the row they count, never read-modify-write.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audit.actions import created, diff, log_action, snapshot
from core.access import require
from core.errors import Conflict, Forbidden, RuleViolation
from homework import services as homework_services
from homework.models import FORBIDDEN_KINDS, Layer
from org.models import SUBJECT_NAMES, RoleAssignment, Teacher
from org.roles import Role
from resources.models import KIND_CHOICES, Level, Rating, ResourceItem, Selection, Status, Visibility

FIELDS = ["title", "content", "subject", "grade_from", "grade_to", "textbook", "unit", "kind",
          "difficulty", "minutes", "layer", "visibility", "status", "within_standard"]
FIRST_YEAR = 2021  # 双减 began in 2021 (S01); no award predates it


def _choice(value, choices, field):
    if value not in {v for v, _ in choices}:
        raise RuleViolation("invalid", f"取值无效：{value}。", field)


def _int_in(value, low, high, field, message):
    if type(value) is not int or not low <= value <= high:
        raise RuleViolation("invalid", message, field)


def _check_item(data, *, bureau_item):
    """The rules an item must meet; each refusal names its rule or field code."""
    if not (data.get("title") or "").strip():
        raise RuleViolation("required", "资源标题不能为空。", "title")
    if data["subject"] not in SUBJECT_NAMES:
        raise RuleViolation("invalid", f"学科取值无效：{data['subject']}。", "subject")
    _int_in(data["grade_from"], 1, 9, "grade_from", "适用年级应为一至九年级。")
    _int_in(data["grade_to"], 1, 9, "grade_to", "适用年级应为一至九年级。")
    if data["grade_from"] > data["grade_to"]:
        raise RuleViolation("invalid", "适用年级的起始年级不能高于终止年级。", "grade_to")
    if data["kind"] in FORBIDDEN_KINDS:
        raise RuleViolation("HW-8", "严禁布置重复性、惩罚性作业，资源库不收录此类作业。", "kind")
    _choice(data["kind"], KIND_CHOICES, "kind")
    _int_in(data["difficulty"], 1, 5, "difficulty", "难度应为 1–5。")
    _int_in(data["minutes"], 1, 300, "minutes", "预计完成时间应为 1–300 分钟。")
    _choice(data["layer"], Layer.choices, "layer")
    _choice(data["visibility"], Visibility.choices, "visibility")
    _choice(data["status"], Status.choices, "status")
    if bureau_item and data["visibility"] != Visibility.DISTRICT:
        raise RuleViolation("invalid", "教育局发布的资源面向全区共享。", "visibility")
    if data["status"] == Status.SHARED and not data["within_standard"]:
        # HW-6 cannot be checked by software: the designer declares it before sharing.
        raise RuleViolation("HW-6", "共享前请确认作业难度不超过国家课程标准。", "within_standard")
    for field, most in (("title", 100), ("textbook", 60), ("unit", 100)):
        if len(data[field]) > most:
            raise RuleViolation("invalid", f"最多 {most} 个字。", field)


def _owner(actor):
    """(teacher, school, bureau id) of a new item: the actor's own teacher post, else the bureau
    where they are an admin."""
    scope = actor.scope
    if scope.teacher_id and scope.has(Role.SUBJECT_TEACHER, Role.HEAD_TEACHER):
        teacher = Teacher.objects.select_related("school").get(pk=scope.teacher_id)
        return teacher, teacher.school, teacher.school.bureau_id
    assignment = RoleAssignment.objects.filter(user=actor, role=Role.BUREAU_ADMIN).order_by(
        "pk").first()
    if assignment is None:
        raise Forbidden("只有任课教师、班主任和教育局管理员可以向资源库提交资源。")
    return None, None, assignment.bureau_id


def _defaults(data, *, bureau_item):
    data = {k: v for k, v in data.items() if k in FIELDS and v is not None}
    data.setdefault("content", "")
    data.setdefault("textbook", "")
    data.setdefault("unit", "")
    data.setdefault("kind", "written")
    data.setdefault("difficulty", 3)
    data.setdefault("layer", Layer.REQUIRED)
    data.setdefault("visibility", Visibility.DISTRICT if bureau_item else Visibility.SCHOOL)
    data.setdefault("status", Status.SHARED)
    data.setdefault("within_standard", False)
    data.setdefault("grade_to", data.get("grade_from"))
    for key in ("title", "textbook", "unit"):
        data[key] = (data.get(key) or "").strip()
    return data


@transaction.atomic
def create_item(*, actor, **data):
    """A teacher contributes a design for their school (or the district); a bureau admin
    publishes one for every school of the bureau."""
    require(actor, "create", ResourceItem)
    teacher, school, bureau_id = _owner(actor)
    data = _defaults(data, bureau_item=school is None)
    for field in ("subject", "grade_from", "minutes"):
        if data.get(field) in (None, ""):
            raise RuleViolation("required", "请填写学科、适用年级和预计完成时间。", field)
    _check_item(data, bureau_item=school is None)
    item = ResourceItem.objects.create(teacher=teacher, school=school, bureau_id=bureau_id,
                                       created_by=actor, **data)
    log_action(item, "resources.item.created", actor=actor, kind="create",
               changes=created(item, FIELDS))
    return item


@transaction.atomic
def update_item(*, actor, item, **data):
    """The owner changes an item; ``None`` values leave a field as it is."""
    require(actor, "change", item)
    before = snapshot(item, FIELDS)
    merged = {**{f: getattr(item, f) for f in FIELDS},
              **{k: v for k, v in data.items() if k in FIELDS and v is not None}}
    for key in ("title", "textbook", "unit"):
        merged[key] = (merged[key] or "").strip()
    _check_item(merged, bureau_item=item.school_id is None)
    for field, value in merged.items():
        setattr(item, field, value)
    item.save(update_fields=[*FIELDS, "updated_at"])
    log_action(item, "resources.item.changed", actor=actor,
               changes=diff(before, snapshot(item, FIELDS)))
    return item


@transaction.atomic
def delete_item(*, actor, item):
    """The owner removes an item with its ratings; an awarded design stays on record."""
    require(actor, "change", item)
    if Selection.objects.filter(item=item).exists():
        raise Conflict("该资源已获评优秀作业设计，不能删除；如不再共享，请改为草稿。", "status",
                       code="selected")
    log_action(item, "resources.item.deleted", actor=actor, kind="delete",
               changes={"title": [item.title, None]})
    item.delete()


@transaction.atomic
def rate_item(*, actor, item, stars, comment=""):
    """A teacher rates someone else's shared design, once; the item's aggregates follow."""
    scope = actor.scope
    if item.teacher_id and item.teacher_id == scope.teacher_id:
        raise Forbidden("不能为自己设计的作业资源评分。", "stars")
    if item.status != Status.SHARED:
        raise RuleViolation("invalid", "草稿尚未共享，不能评分。", "status")
    require(actor, "rate", item)
    _int_in(stars, 1, 5, "stars", "评分应为 1–5 星。")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise RuleViolation("invalid", "评价最多 500 字。", "comment")
    try:
        with transaction.atomic():
            rating = Rating.objects.create(item=item, teacher_id=scope.teacher_id, stars=stars,
                                           comment=comment)
    except IntegrityError:
        raise Conflict("您已为该资源评过分，每位教师只能评一次。", "stars",
                       code="already_rated") from None
    ResourceItem.objects.filter(pk=item.pk).update(rating_count=F("rating_count") + 1,
                                                   rating_total=F("rating_total") + stars)
    item.refresh_from_db(fields=["rating_count", "rating_total"])
    log_action(item, "resources.item.rated", actor=actor, data={"stars": stars})
    return rating


@transaction.atomic
def select_item(*, actor, item, level, reason, year=None):
    """QM-5: a school admin selects a design of their school as a school-level excellent
    design; a bureau admin selects any design of the district at district level."""
    require(actor, "select", item)
    _choice(level, Level.choices, "level")
    if not item.can_select(actor.scope, level):
        who = "本校管理员" if level == Level.SCHOOL else "本区教育局管理员"
        raise Forbidden(f"{Level(level).label}优秀作业设计只能由{who}评选。", "level")
    if item.status != Status.SHARED:
        raise RuleViolation("invalid", "草稿尚未共享，不能评选。", "status")
    this_year = timezone.localdate().year
    year = this_year if year is None else year
    _int_in(year, FIRST_YEAR, this_year, "year", f"评选年度应为 {FIRST_YEAR}–{this_year} 年。")
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("required", "请填写推荐理由。", "reason")
    try:
        with transaction.atomic():
            selection = Selection.objects.create(item=item, level=level, year=year,
                                                 reason=reason[:500], selected_by=actor)
    except IntegrityError:
        raise Conflict(f"该资源已获评 {year} 年度{Level(level).label}优秀作业设计。", "level",
                       code="already_selected") from None
    log_action(item, "resources.item.selected", actor=actor,
               data={"level": level, "year": year})
    return selection


@transaction.atomic
def file_homework_from(*, actor, resource, **homework):
    """File homework (``homework.services.file_homework``) from a library item and count the use,
    in one transaction: a refused filing counts nothing."""
    require(actor, "view", resource)
    item, warnings = homework_services.file_homework(actor=actor, **homework)
    ResourceItem.objects.filter(pk=resource.pk).update(times_used=F("times_used") + 1)
    log_action(resource, "resources.item.used", actor=actor, data={"homework": item.pk})
    return item, warnings
