"""After-school use cases. Every door (web, API, commands) calls these; each checks the rules of
RULES.md §4, writes the audit entry and returns the object.

Counts that must hold under concurrent requests (a course never over its capacity) are changed
only under a row lock on the course, taken in primary-key order, and backed by a database check
constraint (``course_within_capacity``).
"""

import datetime as dt
import hashlib
import json
import secrets

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from afterschool import allocation as lottery
from afterschool.models import (
    SERVICE_SEGMENTS,
    WEEKDAYS,
    Allocation,
    Application,
    Attendance,
    Category,
    Choice,
    Course,
    Enrolment,
    FeeExemption,
    Instructor,
    Programme,
    Segment,
    Session,
    Slot,
    SurveyResponse,
)
from audit.actions import log_action
from core.access import require
from core.errors import Conflict, RuleViolation
from org.models import GRADE_NAMES, SchoolClass, Stage, Teacher
from policy.services import Policy
from schoolcal.calendar import SchoolCalendar

MAX_CHOICES = 5


def _minutes(t):
    return t.hour * 60 + t.minute


def _hm(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _time(value, field):
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise RuleViolation("invalid", "时间格式应为 时:分，如 16:30。", field) from None


def _grade_name(grade):
    return GRADE_NAMES.get(grade, f"{grade}年级")


def _today():
    return timezone.localdate()


# ---- timetable checks (AS-1, AS-2/AS-3, AS-5, AS-7, AS-8) -------------------------------------


def clean_slots(raw_slots):
    """Plain dicts → validated dicts with time objects; field errors for malformed rows."""
    slots = []
    for i, raw in enumerate(raw_slots, start=1):
        get = raw.get if isinstance(raw, dict) else (lambda k, r=raw: getattr(r, k, None))
        try:
            weekday = int(get("weekday"))
        except (TypeError, ValueError):
            raise RuleViolation("invalid", f"第 {i} 个时段：星期无效。", "slots") from None
        segment = get("segment")
        if segment not in Segment.values:
            raise RuleViolation("invalid", f"第 {i} 个时段：时段类型无效：{segment}。", "slots")
        grades = get("grades") or []
        if not isinstance(grades, list | tuple) or not all(isinstance(g, int) for g in grades):
            raise RuleViolation("invalid", f"第 {i} 个时段：年级应为 1–9 的整数列表。", "slots")
        start, end = _time(get("start"), "slots"), _time(get("end"), "slots")
        if end <= start:
            raise RuleViolation("invalid", f"第 {i} 个时段：结束时间应晚于开始时间。", "slots")
        slots.append({"weekday": weekday, "segment": segment, "grades": sorted(set(grades)),
                      "start": start, "end": end})
    return slots


def timetable_problems(*, school, kind, grades, slots, policy):
    """Every broken rule of a timetable, as [{"rule", "message", "weekday", "grade"}]."""
    problems = []

    def add(rule, message, weekday=None, grade=None):
        problems.append({"rule": rule, "message": message, "weekday": weekday, "grade": grade})

    school_grades = set(school.grades)
    for grade in grades:
        if grade not in school_grades:
            add("invalid", f"本校没有{_grade_name(grade)}。", grade=grade)
    for slot in slots:
        if not 1 <= slot["weekday"] <= 5:
            # AS-5: only on school days (a 调休 Saturday runs the timetable of a weekday).
            add("AS-5", "课后服务只在上课日开展，时段应安排在周一至周五。", slot["weekday"])
        for grade in slot["grades"]:
            if grade not in grades:
                add("invalid", f"时段中的{_grade_name(grade)}不在本方案的服务年级内。",
                    slot["weekday"], grade)
        if not slot["grades"]:
            add("invalid", "每个时段至少指定一个年级。", slot["weekday"])

    min_minutes = int(policy["as.min_minutes_per_day"])
    offset = int(policy["as.end_offset"])
    off_work = _minutes(_time(policy["as.office_end_time"], "slots"))
    earliest_end = off_work + offset
    end_rule = "AS-3" if offset else "AS-2"
    latest_evening = _minutes(_time(policy["as.evening_study_latest_end"], "slots"))

    for grade in grades:
        junior = school.stage_of_grade(grade) == Stage.JUNIOR
        for weekday in range(1, 6):
            mine = sorted((s for s in slots if s["weekday"] == weekday and grade in s["grades"]),
                          key=lambda s: s["start"])
            for a, b in zip(mine, mine[1:], strict=False):
                if b["start"] < a["end"]:
                    add("invalid", f"{_grade_name(grade)}{WEEKDAYS[weekday]}的时段重叠："
                        f"{a['start']:%H:%M}–{a['end']:%H:%M} 与 {b['start']:%H:%M}–{b['end']:%H:%M}。",
                        weekday, grade)
            service = [s for s in mine if s["segment"] in SERVICE_SEGMENTS]
            service_end = max((_minutes(s["end"]) for s in service), default=None)
            if kind == Programme.Kind.TERM:
                total = sum(_minutes(s["end"]) - _minutes(s["start"]) for s in service)
                if not service:
                    add("AS-1", f"{_grade_name(grade)}{WEEKDAYS[weekday]}没有课后服务："
                        "每周 5 个上课日都应开展（“5+2”）。", weekday, grade)
                elif total < min_minutes:
                    add("AS-1", f"{_grade_name(grade)}{WEEKDAYS[weekday]}课后服务共 {total} 分钟，"
                        f"每天不少于 {min_minutes} 分钟。", weekday, grade)
                if service_end is not None and service_end < earliest_end:
                    add(end_rule, f"{_grade_name(grade)}{WEEKDAYS[weekday]}结束时间 {_hm(service_end)}"
                        f" 早于 {_hm(earliest_end)}（当地下班时间 {_hm(off_work)}"
                        f"{'后半小时' if offset else ''}）。", weekday, grade)
            for s in mine:
                if s["segment"] == Segment.EVENING_STUDY:
                    if not junior:
                        add("AS-7", f"晚自习只面向初中，{_grade_name(grade)}不能开设。",
                            weekday, grade)
                    if _minutes(s["end"]) > latest_evening:
                        add("AS-8", f"{_grade_name(grade)}{WEEKDAYS[weekday]}晚自习结束时间 "
                            f"{s['end']:%H:%M} 晚于 {_hm(latest_evening)}。", weekday, grade)
                if s["segment"] in (Segment.EVENING_STUDY, Segment.DELAYED_CARE) and \
                        service_end is not None and _minutes(s["start"]) < service_end:
                    add("invalid", f"{_grade_name(grade)}{WEEKDAYS[weekday]}的"
                        f"{Segment(s['segment']).label}应在课后服务结束之后开始。", weekday, grade)
    return problems


def check_timetable(*, school, kind, grades, slots, policy):
    problems = timetable_problems(school=school, kind=kind, grades=grades, slots=slots,
                                  policy=policy)
    if problems:
        first = problems[0]
        message = first["message"] if len(problems) == 1 else \
            f"{first['message']}（另有 {len(problems) - 1} 处问题）"
        raise RuleViolation(first["rule"], message, "slots", rows=problems)


# ---- programmes --------------------------------------------------------------------------------


def _clean_grades(grades, school):
    grades = sorted(set(grades or school.grades))
    if not all(isinstance(g, int) and 1 <= g <= 9 for g in grades):
        raise RuleViolation("invalid", "年级应为 1–9 的整数。", "grades")
    return grades


def _summer_window(school, start, end):
    calendar = SchoolCalendar(school.bureau)
    for day in (start, end):
        if calendar.day(day).kind != "vacation":
            raise RuleViolation("invalid", f"暑期托管的日期 {day} 不在校历的寒暑假内。", "start")


@transaction.atomic
def create_programme(*, actor, school, term, name, slots, kind=Programme.Kind.TERM, grades=None,
                     max_courses=2, makeup_weekday=1, start=None, end=None):
    require(actor, "create", Programme)
    if school.pk not in actor.scope.admin_school_ids:
        raise RuleViolation("forbidden_unit", "只能为本校编制课后服务方案。", "school")
    if kind not in Programme.Kind.values:
        raise RuleViolation("invalid", "类型应为 term 或 summer。", "kind")
    if term.bureau_id != school.bureau_id and term.bureau_id != school.bureau.parent_id:
        raise RuleViolation("invalid", "学期不属于本校所在教育局的校历。", "term")
    name = (name or "").strip()
    if not name:
        raise RuleViolation("required", "请填写名称。", "name")
    if not 0 <= int(max_courses) <= MAX_CHOICES:
        raise RuleViolation("invalid", f"每生最多分配课程数应在 0–{MAX_CHOICES} 之间。", "max_courses")
    if not 1 <= int(makeup_weekday) <= 5:
        raise RuleViolation("invalid", "调休上课日应按周一至周五之一的课表。", "makeup_weekday")
    grades = _clean_grades(grades, school)
    if kind == Programme.Kind.TERM:
        start, end = start or term.start, end or term.end
        if start < term.start or end > term.end:
            raise RuleViolation("invalid", "学期课后服务的日期应在学期之内。", "start")
    elif start is None or end is None:
        raise RuleViolation("required", "暑期托管请填写开始和结束日期。", "start")
    else:
        _summer_window(school, start, end)
    if end < start:
        raise RuleViolation("invalid", "结束日期应不早于开始日期。", "end")
    if Programme.objects.filter(school=school, term=term, kind=kind).exists():
        raise Conflict("本校本学期已有同类课后服务方案。", "term")
    slots = clean_slots(slots)
    policy = Policy(school.bureau)
    check_timetable(school=school, kind=kind, grades=grades, slots=slots, policy=policy)
    programme = Programme.objects.create(
        school=school, term=term, kind=kind, name=name, grades=grades, start=start, end=end,
        max_courses=max_courses, makeup_weekday=makeup_weekday, created_by=actor,
        fee_per_term_fen=int(policy["as.fee_per_term_fen"]))
    Slot.objects.bulk_create(Slot(programme=programme, **s) for s in slots)
    _ensure_groups(programme)
    log_action(programme, "afterschool.programme.created", actor=actor, kind="create",
               data={"grades": grades, "slots": len(slots)})
    return programme


def _segment_times(programme, segment):
    """{(weekday, grade): (start, end)} of a segment's slots in the programme."""
    found = {}
    for slot in programme.slots.all():
        if slot.segment == segment:
            for grade in slot.grades:
                found[(slot.weekday, grade)] = (slot.start, slot.end)
    return found


def _own_instructor(teacher):
    instructor, _ = Instructor.objects.get_or_create(
        school_id=teacher.school_id, teacher=teacher,
        defaults={"kind": Instructor.Kind.OWN_TEACHER, "name": teacher.name,
                  "status": Instructor.Status.APPROVED, "qualification": "本校教师"})
    return instructor


def _ensure_groups(programme):
    """One homework-guidance group per class of the programme's grades (the base service), one
    delayed-care and one evening-study group per grade that has such slots. Groups take everyone
    who applies, so they have no capacity."""
    made = []
    guidance = _segment_times(programme, Segment.GUIDANCE)
    classes = SchoolClass.objects.filter(school_id=programme.school_id,
                                         grade__in=programme.grades).select_related("head_teacher")
    existing = set(Course.objects.filter(programme=programme, kind=Segment.GUIDANCE)
                   .values_list("school_class_id", flat=True))
    for school_class in classes:
        if school_class.pk in existing:
            continue
        days = sorted(d for d, g in guidance if g == school_class.grade)
        if not days:
            continue
        start, end = guidance[(days[0], school_class.grade)]
        head = school_class.head_teacher
        made.append(Course(
            programme=programme, kind=Segment.GUIDANCE, school_class=school_class,
            name=f"{school_class.name} 作业辅导", grades=[school_class.grade], weekdays=days,
            start=start, end=end, place=f"{school_class.name}教室",
            instructor=_own_instructor(head) if head else None, duty_teacher=head,
            review_status=Course.Review.APPROVED, content_summary="指导学生完成作业，答疑辅导（AS-6）"))
    for segment in (Segment.DELAYED_CARE, Segment.EVENING_STUDY):
        times = _segment_times(programme, segment)
        have = set()
        for course in Course.objects.filter(programme=programme, kind=segment):
            have.update(course.grades)
        for grade in sorted({g for _, g in times} - have):
            days = sorted(d for d, g in times if g == grade)
            start, end = times[(days[0], grade)]
            made.append(Course(
                programme=programme, kind=segment, name=f"{_grade_name(grade)}{segment.label}",
                grades=[grade], weekdays=days, start=start, end=end,
                review_status=Course.Review.APPROVED))
    Course.objects.bulk_create(made)
    return made


@transaction.atomic
def replace_timetable(*, actor, programme, slots):
    """A new timetable for the programme: checked again, groups and future sessions follow."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    require(actor, "change", programme)
    slots = clean_slots(slots)
    check_timetable(school=programme.school, kind=programme.kind, grades=programme.grades,
                    slots=slots, policy=Policy(programme.school.bureau))
    old = [str(s) for s in programme.slots.all()]
    programme.slots.all().delete()
    Slot.objects.bulk_create(Slot(programme=programme, **s) for s in slots)
    # Menu courses must still fit the new second segment; refuse with every course that does not.
    misfits = []
    for course in programme.courses.filter(kind=Segment.MENU).exclude(
            review_status=Course.Review.REJECTED):
        try:
            _check_course_times(programme, Segment.MENU, course.grades, course.weekdays,
                                course.start, course.end)
        except RuleViolation as e:
            misfits.append({"rule": "invalid", "message": f"{course.name}：{e.message}",
                            "weekday": None, "grade": None})
    if misfits:
        raise RuleViolation("invalid", f"有 {len(misfits)} 门菜单课程不在新的第二时段内，请先调整课程时间。",
                            "slots", rows=misfits)
    _ensure_groups(programme)
    for segment in (Segment.GUIDANCE, Segment.DELAYED_CARE, Segment.EVENING_STUDY):
        times = _segment_times(programme, segment)
        for course in programme.courses.filter(kind=segment):
            days = sorted({d for d, g in times if g in course.grades})
            if days:
                course.weekdays = days
                course.start, course.end = times.get((days[0], course.grades[0]),
                                                     (course.start, course.end))
                course.save(update_fields=["weekdays", "start", "end"])
    if programme.status != Programme.Status.DRAFT:
        sync_sessions(programme)
    log_action(programme, "afterschool.programme.timetable", actor=actor,
               changes={"slots": [old, [str(s) for s in programme.slots.all()]]})
    return programme


@transaction.atomic
def open_programme(*, actor, programme):
    """Open applications (报名): the timetable is checked again and the sessions are laid out."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    require(actor, "change", programme)
    if programme.status != Programme.Status.DRAFT:
        raise Conflict("方案已开放报名。", "status")
    slots = [{"weekday": s.weekday, "segment": s.segment, "grades": s.grades, "start": s.start,
              "end": s.end} for s in programme.slots.all()]
    check_timetable(school=programme.school, kind=programme.kind, grades=programme.grades,
                    slots=slots, policy=Policy(programme.school.bureau))
    programme.status = Programme.Status.OPEN
    programme.save(update_fields=["status"])
    sync_sessions(programme)
    log_action(programme, "afterschool.programme.opened", actor=actor,
               changes={"status": ["draft", "open"]})
    return programme


# ---- instructors (AS-9) ------------------------------------------------------------------------


@transaction.atomic
def add_instructor(*, actor, school, kind, name="", teacher=None, institution=None, phone="",
                   qualification="", certificate_no="", background_checked=False):
    require(actor, "create", Instructor)
    if school.pk not in actor.scope.admin_school_ids:
        raise RuleViolation("forbidden_unit", "只能登记本校的课后服务人员。", "school")
    if kind not in Instructor.Kind.values:
        raise RuleViolation("invalid", f"人员类型无效：{kind}。", "kind")
    qualification, certificate_no = qualification.strip(), certificate_no.strip()
    if kind == Instructor.Kind.OWN_TEACHER:
        if teacher is None or teacher.school_id != school.pk:
            raise RuleViolation("invalid", "请选择本校教师。", "teacher")
        instructor = _own_instructor(teacher)
        log_action(instructor, "afterschool.instructor.added", actor=actor, kind="create")
        return instructor
    name = (name or "").strip()
    if not name:
        raise RuleViolation("required", "请填写姓名。", "name")
    if kind == Instructor.Kind.INSTITUTION:
        # AS-9: only non-subject institutions, licensed, from the education department's list.
        if institution is None:
            raise RuleViolation("required", "请选择培训机构。", "institution")
        if institution.subject_type:
            raise RuleViolation("AS-9", "学科类培训机构不得进入课后服务。", "institution")
        if institution.status != "approved" or institution.enrolment_suspended:
            raise RuleViolation("AS-9", "培训机构须经审批、正常经营（未被暂停招生）。", "institution")
        if institution.licence_status != "permit_and_licence":
            raise RuleViolation("AS-9", "培训机构须证照齐全（有证有照）并经教育部门遴选。",
                                "institution")
    if kind in (Instructor.Kind.RETIRED_TEACHER, Instructor.Kind.PROFESSIONAL) \
            and not certificate_no:
        raise RuleViolation("AS-9", "退休教师和专业人员须登记资格证书编号。", "certificate_no")
    if kind == Instructor.Kind.PROFESSIONAL and not qualification:
        raise RuleViolation("AS-9", "请填写专业资质（如教练员证、专业技术职称）。", "qualification")
    if not background_checked:
        raise RuleViolation("AS-9", "校外人员须先完成背景审查。", "background_checked")
    instructor = Instructor.objects.create(
        school=school, kind=kind, name=name, phone=phone.strip(), institution=institution,
        qualification=qualification, certificate_no=certificate_no,
        background_checked=background_checked, status=Instructor.Status.PENDING)
    log_action(instructor, "afterschool.instructor.added", actor=actor, kind="create")
    return instructor


@transaction.atomic
def review_instructor(*, actor, instructor, approve, note=""):
    require(actor, "review", instructor)
    old = instructor.status
    instructor.status = Instructor.Status.APPROVED if approve else Instructor.Status.REJECTED
    instructor.reviewed_by, instructor.review_note = actor, note.strip()[:200]
    instructor.save(update_fields=["status", "reviewed_by", "review_note"])
    log_action(instructor, "afterschool.instructor.reviewed", actor=actor,
               changes={"status": [old, instructor.status]})
    return instructor


# ---- courses -----------------------------------------------------------------------------------


def _check_course_times(programme, kind, grades, weekdays, start, end):
    if not grades:
        raise RuleViolation("required", "请选择适用年级。", "grades")
    if not weekdays:
        raise RuleViolation("required", "请选择上课星期。", "weekdays")
    for g in grades:
        if g not in programme.grades:
            raise RuleViolation("invalid", f"{_grade_name(g)}不在本方案的服务年级内。", "grades")
    for d in weekdays:
        if not 1 <= d <= 5:
            raise RuleViolation("AS-5", "课后服务课程只在周一至周五开设。", "weekdays")
    if end <= start:
        raise RuleViolation("invalid", "结束时间应晚于开始时间。", "end")
    times = _segment_times(programme, kind)
    for d in weekdays:
        for g in grades:
            window = times.get((d, g))
            if window is None or start < window[0] or end > window[1]:
                segment = Segment(kind).label
                span = (f"为 {window[0]:%H:%M}–{window[1]:%H:%M}" if window else "未安排")
                raise RuleViolation("invalid", f"{_grade_name(g)}{WEEKDAYS[d]}的{segment}时段{span}，"
                                    "课程时间应在其中。", "start")


@transaction.atomic
def add_course(*, actor, programme, name, capacity, grades, weekdays, start, end, instructor=None,
               duty_teacher=None, category="", place="", fee_per_term_fen=0, content_summary="",
               teaches_new_content=False):
    """A menu course (菜单课程) of the programme; pending until the school admin approves it."""
    require(actor, "create", Course)
    if programme.school_id not in actor.scope.admin_school_ids:
        raise RuleViolation("forbidden_unit", "只能为本校方案添加课程。", "programme")
    name = (name or "").strip()
    if not name:
        raise RuleViolation("required", "请填写课程名称。", "name")
    if category and category not in Category.values:
        raise RuleViolation("invalid", f"类别无效：{category}。", "category")
    if capacity is None or int(capacity) < 1:
        raise RuleViolation("required", "菜单课程须填写容量（至少 1 人）。", "capacity")
    start, end = _time(start, "start"), _time(end, "end")
    grades, weekdays = sorted(set(grades or [])), sorted(set(weekdays or []))
    _check_course_times(programme, Segment.MENU, grades, weekdays, start, end)
    if fee_per_term_fen and programme.status != Programme.Status.DRAFT:
        raise RuleViolation("AS-10", "报名开始后不得新增收费项目：收费课程须在开放报名前公示。",
                            "fee_per_term_fen")
    if instructor is not None and instructor.school_id != programme.school_id:
        raise RuleViolation("invalid", "授课人员不属于本校。", "instructor")
    if duty_teacher is not None and duty_teacher.school_id != programme.school_id:
        raise RuleViolation("invalid", "负责教师应为本校教师。", "duty_teacher")
    if instructor is not None and instructor.teacher_id is None and duty_teacher is None:
        raise RuleViolation("AS-9", "校外人员授课时，须指定一名本校教师负责考勤与安全。",
                            "duty_teacher")
    if instructor is None and duty_teacher is None:
        raise RuleViolation("required", "请指定授课人员或负责教师。", "instructor")
    course = Course.objects.create(
        programme=programme, kind=Segment.MENU, name=name, category=category or "",
        instructor=instructor, duty_teacher=duty_teacher or (instructor.teacher if instructor
                                                             else None),
        capacity=int(capacity), grades=grades, weekdays=weekdays, start=start, end=end,
        place=place.strip(), fee_per_term_fen=int(fee_per_term_fen or 0),
        content_summary=content_summary.strip(), teaches_new_content=bool(teaches_new_content))
    log_action(course, "afterschool.course.added", actor=actor, kind="create",
               data={"programme": programme.pk})
    return course


@transaction.atomic
def change_course(*, actor, course, **fields):
    """Change a course. Fees cannot rise once applications are open (AS-10); capacity cannot fall
    below the pupils already enrolled."""
    course = Course.objects.select_for_update(of=("self",)).select_related("programme").get(
        pk=course.pk)
    require(actor, "change", course)
    changes = {}
    programme = course.programme
    if fields.get("fee_per_term_fen") is not None:
        fee = int(fields["fee_per_term_fen"])
        if fee > course.fee_per_term_fen and programme.status != Programme.Status.DRAFT:
            raise RuleViolation("AS-10", "报名开始后不得提高收费或新增收费项目。", "fee_per_term_fen")
        changes["fee_per_term_fen"] = fee
    if fields.get("capacity") is not None:
        capacity = int(fields["capacity"])
        if course.kind != Segment.MENU:
            raise RuleViolation("invalid", "只有菜单课程有容量。", "capacity")
        if capacity < max(1, course.enrolled_count):
            raise Conflict(f"容量不能少于已录取的 {course.enrolled_count} 人。", "capacity")
        changes["capacity"] = capacity
    for key in ("name", "place", "content_summary", "category"):
        if fields.get(key) is not None:
            changes[key] = str(fields[key]).strip()
    if fields.get("teaches_new_content") is not None:
        changes["teaches_new_content"] = bool(fields["teaches_new_content"])
        if changes["teaches_new_content"] and course.review_status == Course.Review.APPROVED:
            changes["review_status"] = Course.Review.PENDING  # needs a new review (AS-6)
    if "name" in changes and not changes["name"]:
        raise RuleViolation("required", "请填写课程名称。", "name")
    if changes.get("category") and changes["category"] not in Category.values:
        raise RuleViolation("invalid", f"类别无效：{changes['category']}。", "category")
    diff = {k: [getattr(course, k), v] for k, v in changes.items() if getattr(course, k) != v}
    for key, value in changes.items():
        setattr(course, key, value)
    if changes:
        course.save(update_fields=list(changes))
    if "capacity" in diff:
        _promote(course)
    if "review_status" in diff and programme.status != Programme.Status.DRAFT:
        sync_sessions(programme)  # no longer approved: its sessions ahead are dropped
    log_action(course, "afterschool.course.changed", actor=actor, changes=diff)
    return course


@transaction.atomic
def review_course(*, actor, course, approve, note=""):
    """The school admin's review (AS-5/AS-6 content, AS-9 instructor)."""
    # of=self: PostgreSQL cannot lock the nullable side of the outer join to the instructor.
    course = Course.objects.select_for_update(of=("self",)).select_related("instructor").get(
        pk=course.pk)
    require(actor, "review", course)
    if course.kind != Segment.MENU:
        raise Conflict("作业辅导、延时托管和晚自习随方案开设，不单独审核。", "kind")
    if approve:
        if course.teaches_new_content:
            raise RuleViolation("AS-6", "课后服务不得讲授新课、集体补课或组织刷题，该课程不能通过审核。",
                                "teaches_new_content")
        if course.instructor is not None and \
                course.instructor.status != Instructor.Status.APPROVED:
            raise RuleViolation("AS-9", "授课人员尚未通过资质审核。", "instructor")
    old = course.review_status
    course.review_status = Course.Review.APPROVED if approve else Course.Review.REJECTED
    course.reviewed_by, course.review_note = actor, note.strip()[:200]
    course.save(update_fields=["review_status", "reviewed_by", "review_note"])
    if course.programme.status != Programme.Status.DRAFT:
        sync_sessions(course.programme)
    log_action(course, "afterschool.course.reviewed", actor=actor,
               changes={"review_status": [old, course.review_status]})
    return course


# ---- applications and enrolment (AS-4, AS-12) ----------------------------------------------------


def _course_times(course):
    return tuple((d, _minutes(course.start), _minutes(course.end)) for d in course.weekdays)


def _clash(times_a, times_b):
    return any(da == db and sa < eb and sb < ea
               for da, sa, ea in times_a for db, sb, eb in times_b)


def _enrol(course, pupil, application, *, source, rank=None, allocation=None):
    """Enrol one pupil (the course row must be locked by the caller when it has a capacity)."""
    if course.capacity is not None:
        if course.enrolled_count >= course.capacity:
            raise Conflict(f"{course.name} 已满。", "course")
        course.enrolled_count += 1
        course.save(update_fields=["enrolled_count"])
    else:  # groups take everyone: count without taking the row lock
        Course.objects.filter(pk=course.pk).update(enrolled_count=F("enrolled_count") + 1)
    return Enrolment.objects.create(course=course, pupil=pupil, application=application,
                                    status=Enrolment.Status.ENROLLED, source=source, rank=rank,
                                    allocation=allocation)


def _waitlist(course, pupil, application, rank):
    last = Enrolment.objects.filter(course=course, status=Enrolment.Status.WAITLISTED).aggregate(
        m=Max("waitlist_position"))["m"] or 0
    return Enrolment.objects.create(course=course, pupil=pupil, application=application,
                                    status=Enrolment.Status.WAITLISTED, source=Enrolment.Source.LATE,
                                    rank=rank, waitlist_position=last + 1)


def _live_menu_times(pupil_id, programme, exclude_course=None):
    rows = Enrolment.objects.filter(pupil_id=pupil_id, status=Enrolment.Status.ENROLLED,
                                    course__programme=programme, course__kind=Segment.MENU)
    if exclude_course is not None:
        rows = rows.exclude(course=exclude_course)
    return [_course_times(e.course) for e in rows.select_related("course")]


def _enrol_group(application, kind, pupil):
    """Base service, delayed care, evening study: everyone who applies gets a place (AS-12)."""
    programme = application.programme
    if kind == Segment.GUIDANCE:
        course = Course.objects.filter(programme=programme, kind=kind,
                                       school_class_id=pupil.school_class_id).first()
        if course is None:
            _ensure_groups(programme)
            course = Course.objects.filter(programme=programme, kind=kind,
                                           school_class_id=pupil.school_class_id).first()
    else:
        course = next((c for c in Course.objects.filter(programme=programme, kind=kind)
                       if pupil.school_class.grade in c.grades), None)
    if course is None:
        raise RuleViolation("AS-7" if kind != Segment.GUIDANCE else "invalid",
                            f"本校未为该年级开设{Segment(kind).label}。", kind)
    if not Enrolment.objects.filter(course=course, pupil=pupil,
                                    status=Enrolment.Status.ENROLLED).exists():
        _enrol(course, pupil, application, source=Enrolment.Source.APPLICATION)


def _leave_group(application, kind, actor):
    for enrolment in Enrolment.objects.filter(application=application, course__kind=kind,
                                              status=Enrolment.Status.ENROLLED):
        _withdraw(enrolment, actor)


@transaction.atomic
def apply(*, actor, programme, pupil, base_service=True, choices=(), delayed_care=False,
          special_need="", evening_study=False):
    """A guardian applies (or changes the application) for their child: voluntary (AS-4)."""
    programme = Programme.objects.select_for_update(of=("self",)).select_related("school").get(
        pk=programme.pk)
    require(actor, "create", Application)
    if pupil.pk not in actor.scope.pupil_ids:
        raise RuleViolation("forbidden_unit", "只能为自己的孩子报名。", "pupil")
    if programme.status == Programme.Status.DRAFT:
        raise Conflict("该课后服务方案尚未开放报名。", "programme")
    if _today() > programme.end:
        raise Conflict("该课后服务方案已结束。", "programme")
    if pupil.school_id != programme.school_id:
        raise RuleViolation("invalid", "孩子不在该校就读。", "programme")
    grade = pupil.school_class.grade
    if grade not in programme.grades:
        raise RuleViolation("invalid", f"该方案不面向{_grade_name(grade)}。", "programme")
    choices = [int(c) for c in choices]
    if len(choices) != len(set(choices)):
        raise RuleViolation("invalid", "志愿中有重复的课程。", "choices")
    if len(choices) > MAX_CHOICES:
        raise RuleViolation("invalid", f"最多填报 {MAX_CHOICES} 个志愿。", "choices")
    offered = {c.pk: c for c in Course.objects.offered().filter(programme=programme, pk__in=choices)}
    for course_id in choices:
        course = offered.get(course_id)
        if course is None:
            raise RuleViolation("invalid", f"课程 {course_id} 不在本方案可选课程中。", "choices")
        if grade not in course.grades:
            raise RuleViolation("invalid", f"{course.name} 不面向{_grade_name(grade)}。", "choices")
    if delayed_care and not special_need.strip():
        raise RuleViolation("AS-7", "延时托管面向有特殊需要的学生，请说明原因。", "special_need")
    if evening_study and programme.school.stage_of_grade(grade) != Stage.JUNIOR:
        raise RuleViolation("AS-7", "晚自习只面向初中学生。", "evening_study")
    if not (base_service or choices or delayed_care or evening_study):
        raise RuleViolation("required", "请至少选择一项服务；不参加则无需报名（AS-4 自愿参加）。",
                            "base_service")

    application = Application.objects.select_for_update().filter(programme=programme,
                                                                 pupil=pupil).first()
    created = application is None
    old_choices = [] if created else list(application.choices.values_list("course_id", flat=True))
    if created:
        application = Application(programme=programme, pupil=pupil)
    elif programme.status == Programme.Status.PUBLISHED and application.status == "active" \
            and old_choices != choices:
        raise Conflict("分配结果已公布，不能再修改志愿；可退出已录取的课程，或联系学校。", "choices")
    application.applicant = actor
    application.base_service = bool(base_service)
    application.delayed_care, application.special_need = bool(delayed_care), special_need.strip()
    application.evening_study = bool(evening_study)
    application.status = Application.Status.ACTIVE
    application.save()
    if old_choices != choices:
        application.choices.all().delete()
        Choice.objects.bulk_create(Choice(application=application, course_id=c, rank=i)
                                   for i, c in enumerate(choices, start=1))
    for kind, wanted in ((Segment.GUIDANCE, base_service), (Segment.DELAYED_CARE, delayed_care),
                         (Segment.EVENING_STUDY, evening_study)):
        if wanted:
            _enrol_group(application, kind, pupil)
        elif not created:
            _leave_group(application, kind, actor)
    if programme.status == Programme.Status.PUBLISHED and choices and (
            created or not Enrolment.objects.filter(
                application=application, course__kind=Segment.MENU,
                status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED]).exists()):
        _late_enrol(application, [offered[c] for c in choices])
    log_action(application, "afterschool.application.submitted", actor=actor,
               kind="create" if created else "update",
               data={"base_service": base_service, "choices": choices})
    return application


def _late_enrol(application, courses):
    """After the lottery is published: free seats go first come, first served, in rank order;
    the other choices put the pupil on the waitlist."""
    programme = application.programme
    locked = {c.pk: c for c in Course.objects.select_for_update().filter(
        pk__in=[c.pk for c in courses]).order_by("pk")}
    taken = _live_menu_times(application.pupil_id, programme)
    assigned = len(taken)
    for rank, course in enumerate(courses, start=1):
        course = locked[course.pk]
        times = _course_times(course)
        if assigned < programme.max_courses and course.free_seats and \
                not any(_clash(times, t) for t in taken):
            _enrol(course, application.pupil, application, source=Enrolment.Source.LATE, rank=rank)
            taken.append(times)
            assigned += 1
        else:
            _waitlist(course, application.pupil, application, rank)


def _withdraw(enrolment, actor):
    course = Course.objects.select_for_update().get(pk=enrolment.course_id)
    # Read the place again under the course lock: a promotion may have changed it meanwhile.
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    was = enrolment.status
    if was == Enrolment.Status.WITHDRAWN:
        return enrolment
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.waitlist_position = None
    enrolment.save(update_fields=["status", "waitlist_position", "changed_at"])
    if was == Enrolment.Status.ENROLLED and course.capacity is not None:
        course.enrolled_count -= 1
        course.save(update_fields=["enrolled_count"])
        _promote(course)
    elif was == Enrolment.Status.ENROLLED:
        Course.objects.filter(pk=course.pk).update(enrolled_count=F("enrolled_count") - 1)
    # A group left on its own: the application no longer asks for it (AS-4, voluntary).
    flag = {Segment.GUIDANCE: "base_service", Segment.DELAYED_CARE: "delayed_care",
            Segment.EVENING_STUDY: "evening_study"}.get(course.kind)
    if flag and enrolment.application_id:
        Application.objects.filter(pk=enrolment.application_id).update(**{flag: False})
    log_action(enrolment, "afterschool.enrolment.withdrawn", actor=actor,
               changes={"status": [was, "withdrawn"]})
    return enrolment


def _promote(course):
    """Fill free seats of a (locked) course from its waitlist, first eligible pupil first."""
    programme = course.programme
    if not course.free_seats:
        return
    waiting = list(Enrolment.objects.filter(course=course, status=Enrolment.Status.WAITLISTED)
                   .order_by("waitlist_position", "pk"))
    if not waiting:
        return
    # Every waiting pupil's current menu courses, in one query.
    taken = {}
    for row in Enrolment.objects.filter(
            pupil_id__in=[w.pupil_id for w in waiting], status=Enrolment.Status.ENROLLED,
            course__programme=programme, course__kind=Segment.MENU).select_related("course"):
        taken.setdefault(row.pupil_id, []).append(_course_times(row.course))
    times = _course_times(course)
    for chosen in waiting:
        if not course.free_seats:
            return
        mine = taken.get(chosen.pupil_id, [])
        if len(mine) >= programme.max_courses or any(_clash(times, t) for t in mine):
            continue
        course.enrolled_count += 1
        course.save(update_fields=["enrolled_count"])
        chosen.status, chosen.source = Enrolment.Status.ENROLLED, Enrolment.Source.WAITLIST
        chosen.waitlist_position = None
        chosen.save(update_fields=["status", "source", "waitlist_position", "changed_at"])
        log_action(chosen, "afterschool.enrolment.promoted", actor=None,
                   changes={"status": ["waitlisted", "enrolled"]})


@transaction.atomic
def withdraw_enrolment(*, actor, enrolment):
    """A guardian takes their child out of one course (or off its waitlist); the seat goes to the
    first eligible pupil on the waitlist."""
    # The course first, then the place: the order in which promotions (_promote) and
    # change_course take them, so a withdrawal racing a promotion waits instead of deadlocking.
    Course.objects.select_for_update().get(pk=enrolment.course_id)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    require(actor, "withdraw", enrolment)
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        raise Conflict("已经退出该课程。", "status")
    return _withdraw(enrolment, actor)


@transaction.atomic
def withdraw_application(*, actor, application):
    application = Application.objects.select_for_update().get(pk=application.pk)
    require(actor, "change", application)
    if application.status == Application.Status.WITHDRAWN:
        raise Conflict("报名已撤回。", "status")
    for enrolment in Enrolment.objects.filter(
            application=application,
            status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED]).order_by(
            "course_id"):
        _withdraw(enrolment, actor)
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "changed_at"])
    log_action(application, "afterschool.application.withdrawn", actor=actor,
               changes={"status": ["active", "withdrawn"]})
    return application


# ---- the lottery -------------------------------------------------------------------------------


def _allocation_inputs(programme):
    courses = list(Course.objects.offered().filter(programme=programme).order_by("pk"))
    apps = (Application.objects.active().filter(programme=programme)
            .select_related("pupil__school_class").prefetch_related("choices").order_by("pk"))
    return {
        "courses": [{"id": c.pk, "capacity": c.capacity, "times": [list(t) for t in
                                                                  _course_times(c)],
                     "grades": sorted(c.grades)} for c in courses],
        "applicants": [{"pupil_id": a.pupil_id, "grade": a.pupil.school_class.grade,
                        "choices": [ch.course_id for ch in sorted(a.choices.all(),
                                                                  key=lambda ch: ch.rank)],
                        "submitted_at": a.submitted_at.isoformat()}
                       for a in apps if a.choices.all()],
        "max_courses": programme.max_courses,
    }


def _run(inputs, seed):
    courses = [lottery.CourseSpec(id=c["id"], capacity=c["capacity"],
                                  times=tuple(tuple(t) for t in c["times"]),
                                  grades=frozenset(c["grades"])) for c in inputs["courses"]]
    applicants = [lottery.Applicant(pupil_id=a["pupil_id"], grade=a["grade"],
                                    choices=tuple(a["choices"]), submitted_at=a["submitted_at"])
                  for a in inputs["applicants"]]
    result = lottery.allocate(courses, applicants, seed=seed, max_courses=inputs["max_courses"])
    quality = lottery.compare(courses, applicants, seed=seed, max_courses=inputs["max_courses"])
    return {"assignments": {str(k): v for k, v in sorted(result.assignments.items())},
            "waitlists": {str(k): v for k, v in sorted(result.waitlists.items())},
            "order": result.order}, quality


def digest(inputs):
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


@transaction.atomic
def run_allocation(*, actor, programme, reason="", seed=None):
    """Run the menu-course lottery; the first run needs no reason, every rerun an audited one."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    require(actor, "allocate", programme)
    if programme.status == Programme.Status.DRAFT:
        raise Conflict("方案尚未开放报名，不能抽签。", "status")
    number = programme.allocations.count() + 1
    reason = (reason or "").strip()
    if number > 1 and len(reason) < 4:
        raise RuleViolation("required", "重新抽签须填写原因（至少 4 个字），原因将记入审计日志。",
                            "reason")
    seed = (seed or secrets.token_hex(8)).strip()
    if not 1 <= len(seed) <= 64:
        raise RuleViolation("invalid", "随机种子为 1–64 个字符。", "seed")
    inputs = _allocation_inputs(programme)
    result, quality = _run(inputs, seed)
    run = Allocation.objects.create(
        programme=programme, number=number, seed=seed, algorithm=lottery.ALGORITHM_VERSION,
        inputs=inputs, inputs_digest=digest(inputs), result=result, quality=quality,
        reason=reason, run_by=actor)
    log_action(run, "afterschool.allocation.run", actor=actor, kind="create",
               data={"seed": seed, "reason": reason, "digest": run.inputs_digest,
                     "lottery": quality.get("lottery"), "fcfs": quality.get("fcfs")})
    return run


def verify_allocation(run):
    """Re-run the recorded inputs with the recorded seed: True when the result is identical."""
    if run.algorithm != lottery.ALGORITHM_VERSION:
        return False
    result, _ = _run(run.inputs, run.seed)
    return digest(run.inputs) == run.inputs_digest and result == run.result


@transaction.atomic
def publish_allocation(*, actor, allocation):
    """Publish a lottery run: its places become enrolments and its waitlists start moving. A
    later run replaces the lottery places of an earlier published one."""
    programme = Programme.objects.select_for_update().get(pk=allocation.programme_id)
    require(actor, "publish", allocation)
    latest = programme.allocations.order_by("-number").first()
    if latest.pk != allocation.pk:
        raise Conflict("只能公布最近一次抽签的结果。", "allocation")
    if allocation.published_at is not None:
        raise Conflict("该次抽签结果已公布。", "allocation")
    courses = {c.pk: c for c in Course.objects.select_for_update().filter(
        programme=programme, kind=Segment.MENU).order_by("pk")}
    # Places of an earlier publication are replaced (the rerun's reason is in the audit log).
    Enrolment.objects.filter(course__in=list(courses), status__in=[
        Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED]).update(
        status=Enrolment.Status.WITHDRAWN, waitlist_position=None, changed_at=timezone.now())
    for course in courses.values():
        course.enrolled_count = 0
    apps = {a.pupil_id: a for a in Application.objects.active().filter(programme=programme)
            .prefetch_related("choices")}
    rows, enrolled = [], {}
    for pupil, course_ids in allocation.result["assignments"].items():
        app = apps.get(int(pupil))
        if app is None:  # withdrew after the run
            continue
        ranks = {ch.course_id: ch.rank for ch in app.choices.all()}
        for course_id in course_ids:
            course = courses.get(course_id)
            if course is None or course.free_seats == 0:
                continue
            course.enrolled_count += 1
            enrolled.setdefault(int(pupil), []).append(course_id)
            rows.append(Enrolment(course=course, pupil_id=int(pupil), application=app,
                                  status=Enrolment.Status.ENROLLED, source=Enrolment.Source.LOTTERY,
                                  rank=ranks.get(course_id), allocation=allocation))
    for course_id, pupils in allocation.result["waitlists"].items():
        course = courses.get(int(course_id))
        position = 0
        for pupil in pupils:
            app = apps.get(pupil)
            if course is None or app is None:
                continue
            position += 1
            ranks = {ch.course_id: ch.rank for ch in app.choices.all()}
            rows.append(Enrolment(course=course, pupil_id=pupil, application=app,
                                  status=Enrolment.Status.WAITLISTED,
                                  source=Enrolment.Source.LOTTERY, rank=ranks.get(course.pk),
                                  waitlist_position=position, allocation=allocation))
    Enrolment.objects.bulk_create(rows, batch_size=1000)
    for course in courses.values():
        course.save(update_fields=["enrolled_count"])
    allocation.published_at, allocation.published_by = timezone.now(), actor
    allocation.save(update_fields=["published_at", "published_by"])
    programme.status = Programme.Status.PUBLISHED
    programme.save(update_fields=["status"])
    # Seats left by pupils who withdrew after the run go to the lottery's waitlists first ...
    for course in courses.values():
        course.refresh_from_db()
        _promote(course)
    # ... then applications that came in after the run take what is still free, first come
    # first served, and wait behind the lottery's waitlists.
    in_run = {a["pupil_id"] for a in allocation.inputs["applicants"]}
    for app in sorted(apps.values(), key=lambda a: (a.submitted_at, a.pk)):
        if app.pupil_id not in in_run and app.choices.all():
            ranked = sorted(app.choices.all(), key=lambda ch: ch.rank)
            _late_enrol(app, [courses[ch.course_id] for ch in ranked if ch.course_id in courses])
    log_action(allocation, "afterschool.allocation.published", actor=actor,
               data={"enrolled": sum(len(v) for v in enrolled.values())})
    return allocation


# ---- sessions ----------------------------------------------------------------------------------


def _timetable_day(programme, calendar, date):
    """The weekday whose timetable runs on ``date``, or None when there is no service."""
    day = calendar.day(date)
    if programme.kind == Programme.Kind.SUMMER:
        return date.isoweekday() if day.kind == "vacation" and day.is_workday and \
            date.isoweekday() <= 5 else None
    if not day.is_school_day:
        return None
    weekday = date.isoweekday()
    return programme.makeup_weekday if weekday > 5 else weekday


def _course_slot_times(course, slot_times, weekday):
    if course.kind == Segment.MENU:
        return (course.start, course.end) if weekday in course.weekdays else None
    for grade in course.grades:
        found = slot_times.get((course.kind, weekday, grade))
        if found:
            return found
    return None


def sync_sessions(programme, *, today=None):
    """Lay out the programme's sessions from today to its end on the days with service (the
    calendar's school days, 调休 included); drop future sessions on days that lost service.
    Idempotent: run it after any change to the timetable, the courses or the calendar."""
    today = today or _today()
    calendar = SchoolCalendar(programme.school.bureau)
    courses = list(programme.courses.filter(review_status=Course.Review.APPROVED)
                   .select_related("instructor"))
    slot_times = {}
    for slot in programme.slots.all():
        for grade in slot.grades:
            slot_times[(slot.segment, slot.weekday, grade)] = (slot.start, slot.end)
    wanted = {}
    date = max(programme.start, today)
    while date <= programme.end:
        weekday = _timetable_day(programme, calendar, date)
        if weekday:
            for course in courses:
                times = _course_slot_times(course, slot_times, weekday)
                if times:
                    wanted[(course.pk, date)] = (times, course)
        date += dt.timedelta(days=1)
    existing = {(s.course_id, s.date): s for s in Session.objects.filter(
        course__programme=programme, date__gte=max(programme.start, today))}
    stale = [s.pk for key, s in existing.items()
             if key not in wanted and s.status == Session.Status.SCHEDULED]
    Session.objects.filter(pk__in=stale, attendance__isnull=True).delete()
    new = []
    for key, ((start, end), course) in wanted.items():
        session = existing.get(key)
        if session is None:
            new.append(Session(course=course, date=key[1], start=start, end=end,
                               teacher_id=course.staff_teacher_id()))
        elif session.status == Session.Status.SCHEDULED and (session.start, session.end) != (
                start, end):
            session.start, session.end = start, end
            session.save(update_fields=["start", "end"])
    Session.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return len(new)


# ---- attendance and pick-up --------------------------------------------------------------------


def roster(session):
    """Pupils expected in a session: enrolled in the course now, plus anyone already marked."""
    enrolled = set(Enrolment.objects.filter(course_id=session.course_id,
                                            status=Enrolment.Status.ENROLLED)
                   .values_list("pupil_id", flat=True))
    marked = set(session.attendance.values_list("pupil_id", flat=True))
    return enrolled | marked


@transaction.atomic
def record_attendance(*, actor, session, records, now=None):
    """Marks (present / absent / leave) and pick-ups for a session; the session counts as
    delivered for the teacher's hours (AS-11)."""
    session = Session.objects.select_for_update(of=("self",)).select_related(
        "course__programme", "course__instructor").get(pk=session.pk)
    require(actor, "attend", session)
    today = now.date() if now else timezone.localdate()  # one "today" for pages and services
    now = now or timezone.localtime()
    if session.date > today:
        raise Conflict("还没到这次课的日期，不能点名。", "date")
    if session.status == Session.Status.CANCELLED:
        raise Conflict("这次课已取消。", "status")
    if not records:
        raise RuleViolation("required", "请至少登记一名学生。", "records")
    expected = roster(session)
    existing = {a.pupil_id: a for a in session.attendance.all()}
    problems, seen = [], set()
    for i, record in enumerate(records, start=1):
        pupil_id, mark = record.get("pupil"), record.get("mark")
        if pupil_id not in expected:
            problems.append({"row": i, "field": "pupil", "message": "该学生不在本次课的名单中。"})
        elif pupil_id in seen:
            problems.append({"row": i, "field": "pupil", "message": "同一学生重复。"})
        if mark not in Attendance.Mark.values:
            problems.append({"row": i, "field": "mark",
                             "message": "考勤应为 present 出勤 / absent 缺勤 / leave 请假。"})
        pickup = record.get("pickup") or ""
        if pickup and pickup not in Attendance.Pickup.values:
            problems.append({"row": i, "field": "pickup", "message": "离校方式无效。"})
        if pickup and mark != Attendance.Mark.PRESENT:
            problems.append({"row": i, "field": "pickup", "message": "只有出勤的学生需要登记离校。"})
        if pickup in (Attendance.Pickup.GUARDIAN, Attendance.Pickup.AUTHORISED) and \
                not (record.get("picked_up_by") or "").strip():
            problems.append({"row": i, "field": "picked_up_by", "message": "请填写接走人。"})
        at = record.get("picked_up_at")
        if at is not None and timezone.is_aware(at) and at > now + dt.timedelta(minutes=5):
            problems.append({"row": i, "field": "picked_up_at", "message": "接走时间不能晚于现在。"})
        seen.add(pupil_id)
    if problems:
        raise RuleViolation("invalid", f"有 {len(problems)} 处填写有误，未保存。", "records",
                            rows=problems)
    for record in records:
        row = existing.get(record["pupil"]) or Attendance(session=session,
                                                          pupil_id=record["pupil"])
        row.mark = record["mark"]
        row.note = (record.get("note") or "").strip()[:200]
        pickup = record.get("pickup") or ""
        if pickup:
            by = (record.get("picked_up_by") or "").strip()[:50]
            # The same pick-up sent again (e.g. with a changed note) keeps its time.
            unchanged = row.pk and (row.pickup, row.picked_up_by) == (pickup, by)
            row.pickup, row.picked_up_by = pickup, by
            if record.get("picked_up_at") or not unchanged or row.picked_up_at is None:
                row.picked_up_at = record.get("picked_up_at") or now
        elif row.mark != Attendance.Mark.PRESENT:
            row.pickup, row.picked_up_by, row.picked_up_at = "", "", None
        row.marked_by = actor
        row.save()
    if session.status != Session.Status.DELIVERED:
        session.status = Session.Status.DELIVERED
        session.delivered_minutes = _minutes(session.end) - _minutes(session.start)
        session.delivered_by, session.delivered_at = actor, now
        session.teacher_id = session.teacher_id or session.course.staff_teacher_id()
        session.save(update_fields=["status", "delivered_minutes", "delivered_by",
                                    "delivered_at", "teacher"])
    log_action(session, "afterschool.attendance.recorded", actor=actor,
               data={"records": len(records)})
    return session


@transaction.atomic
def cancel_session(*, actor, session, reason):
    session = Session.objects.select_for_update(of=("self",)).select_related(
        "course__programme").get(pk=session.pk)
    require(actor, "attend", session)
    if session.attendance.exists():
        raise Conflict("已点名的课次不能取消。", "status")
    if not (reason or "").strip():
        raise RuleViolation("required", "请填写取消原因。", "reason")
    session.status = Session.Status.CANCELLED
    session.save(update_fields=["status"])
    log_action(session, "afterschool.session.cancelled", actor=actor, data={"reason": reason})
    return session


def unpicked(queryset, now=None):
    """Attendance rows of pupils marked present whose session has ended without a recorded
    pick-up: the head teacher follows them up (safe pick-up)."""
    now = now or timezone.localtime()
    return (queryset.filter(mark=Attendance.Mark.PRESENT, pickup="")
            .filter(Q(session__date__lt=now.date())
                    | Q(session__date=now.date(), session__end__lte=now.time()))
            .filter(session__date__gte=now.date() - dt.timedelta(days=7))
            .select_related("pupil__school_class", "session__course")
            .order_by("-session__date", "session__end", "pupil__name"))


# ---- hours and pay (AS-11) ---------------------------------------------------------------------


def month_bounds(month):
    """'2026-11' → (first day, first day of next month)."""
    try:
        year, number = (int(p) for p in str(month).split("-"))
        first = dt.date(year, number, 1)
    except (TypeError, ValueError):
        raise RuleViolation("invalid", "月份格式应为 YYYY-MM。", "month") from None
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    return first, following


def teacher_hours(*, school, month):
    """Per own teacher: delivered sessions, minutes, hours and pay for the month at the
    district's rate (a performance-pay increment, AS-11)."""
    first, following = month_bounds(month)
    rate = int(Policy(school.bureau)["as.pay_rate_fen_per_hour"])
    sessions = Session.objects.filter(course__programme__school=school,
                                      status=Session.Status.DELIVERED, date__gte=first,
                                      date__lt=following, teacher__isnull=False)
    per = {}
    for teacher_id, minutes in sessions.values_list("teacher_id", "delivered_minutes"):
        row = per.setdefault(teacher_id, [0, 0])
        row[0] += 1
        row[1] += minutes
    teachers = Teacher.objects.in_bulk(list(per))
    rows = []
    for teacher_id, (count, minutes) in per.items():
        teacher = teachers[teacher_id]
        rows.append({"teacher": teacher_id, "name": teacher.name, "staff_no": teacher.staff_no,
                     "sessions": count, "minutes": minutes, "hours": round(minutes / 60, 2),
                     "rate_fen_per_hour": rate,
                     # integer fen, rounded half up, never a float
                     "pay_fen": (minutes * rate + 30) // 60})
    rows.sort(key=lambda r: (-r["minutes"], r["name"]))
    return {"month": f"{first:%Y-%m}", "rate_fen_per_hour": rate, "rows": rows,
            "total_minutes": sum(r["minutes"] for r in rows),
            "total_pay_fen": sum(r["pay_fen"] for r in rows)}


# ---- fees (AS-10) ------------------------------------------------------------------------------


@transaction.atomic
def grant_exemption(*, actor, programme, pupil, reason, note=""):
    require(actor, "create", FeeExemption)
    if programme.school_id not in actor.scope.admin_school_ids:
        raise RuleViolation("forbidden_unit", "只能为本校学生办理减免。", "programme")
    if pupil.school_id != programme.school_id:
        raise RuleViolation("invalid", "学生不在该校。", "pupil")
    if reason not in FeeExemption.Reason.values:
        raise RuleViolation("invalid", f"减免原因无效：{reason}。", "reason")
    exemption, created = FeeExemption.objects.update_or_create(
        programme=programme, pupil=pupil,
        defaults={"reason": reason, "note": note.strip()[:200], "approved_by": actor})
    log_action(exemption, "afterschool.fee.exempted", actor=actor,
               kind="create" if created else "update", data={"reason": reason})
    return exemption


def fee_statement(programme):
    """What each enrolled pupil owes for the term: the published base fee and the published fees
    of their courses, nothing else (AS-10); hardship exemptions pay nothing."""
    exempt = {e.pupil_id: e for e in programme.exemptions.all()}
    enrolments = (Enrolment.objects.filter(course__programme=programme,
                                           status=Enrolment.Status.ENROLLED)
                  .select_related("course", "pupil__school_class").order_by("pupil__school_class",
                                                                            "pupil__name"))
    per = {}
    for e in enrolments:
        row = per.setdefault(e.pupil_id, {"pupil": e.pupil, "items": [], "base": False})
        if e.course.kind == Segment.GUIDANCE:
            row["base"] = True
        if e.course.fee_per_term_fen:
            row["items"].append((e.course.name, e.course.fee_per_term_fen))
    rows = []
    for pupil_id, row in per.items():
        items = list(row["items"])
        if row["base"] and programme.fee_per_term_fen:
            items.insert(0, ("基本服务费", programme.fee_per_term_fen))
        due = sum(fee for _, fee in items)
        exemption = exempt.get(pupil_id)
        rows.append({"pupil": row["pupil"], "items": items, "gross_fen": due,
                     "exemption": exemption, "due_fen": 0 if exemption else due})
    return rows


# ---- satisfaction and participation (QM-4) -----------------------------------------------------


@transaction.atomic
def answer_survey(*, actor, programme, pupil, liking, satisfaction, comment=""):
    require(actor, "create", SurveyResponse)
    if pupil.pk not in actor.scope.pupil_ids:
        raise RuleViolation("forbidden_unit", "只能为自己的孩子填写。", "pupil")
    if not Enrolment.objects.filter(pupil=pupil, course__programme=programme,
                                    status=Enrolment.Status.ENROLLED).exists():
        raise RuleViolation("invalid", "孩子未参加该课后服务方案。", "programme")
    for field, value in (("liking", liking), ("satisfaction", satisfaction)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise RuleViolation("invalid", "评分为 1–5 的整数。", field)
    response, created = SurveyResponse.objects.update_or_create(
        programme=programme, pupil=pupil,
        defaults={"liking": liking, "satisfaction": satisfaction, "comment": comment.strip()[:500]})
    log_action(response, "afterschool.survey.answered", actor=actor,
               kind="create" if created else "update")
    return response


def participation(programmes):
    """QM-4 indicators per programme: pupil participation (enrolled in the base service or any
    course / all pupils of the served grades), teacher participation (own teachers running a
    group or course / all teachers), pupils' liking and guardians' satisfaction.

    A fixed handful of grouped queries for any number of programmes (a district's dashboard
    reads every school's programme at once)."""
    from django.db.models import Avg, Count

    from org.models import Pupil

    programmes = list(programmes)
    ids = [p.pk for p in programmes]
    schools = {p.school_id for p in programmes}
    pupils_by = {(school, grade): n for school, grade, n in Pupil.objects.filter(
        school_id__in=schools).values_list("school_id", "school_class__grade")
        .annotate(n=Count("pk"))}
    live = Enrolment.objects.filter(course__programme_id__in=ids,
                                    status=Enrolment.Status.ENROLLED)
    enrolled = dict(live.exclude(course__kind=Segment.EVENING_STUDY)  # not after-school (AS-5)
                    .values_list("course__programme_id")
                    .annotate(n=Count("pupil_id", distinct=True)))
    menu = dict(live.filter(course__kind=Segment.MENU).values_list("course__programme_id")
                .annotate(n=Count("pupil_id", distinct=True)))
    teachers = dict(Teacher.objects.filter(school_id__in=schools).values_list("school_id")
                    .annotate(n=Count("pk")))
    approved = Course.objects.filter(programme_id__in=ids,
                                     review_status=Course.Review.APPROVED).exclude(
        kind=Segment.EVENING_STUDY)
    running = {pid: set() for pid in ids}
    for pid, teacher_id in approved.exclude(duty_teacher__isnull=True).values_list(
            "programme_id", "duty_teacher_id"):
        running[pid].add(teacher_id)
    for pid, teacher_id in approved.filter(instructor__teacher__isnull=False).values_list(
            "programme_id", "instructor__teacher_id"):
        running[pid].add(teacher_id)
    surveys = {r["programme_id"]: r for r in SurveyResponse.objects.filter(
        programme_id__in=ids).values("programme_id").annotate(
        n=Count("pk"), liking_avg=Avg("liking"), satisfaction_avg=Avg("satisfaction"),
        satisfied=Count("pk", filter=Q(satisfaction__gte=4)))}

    rows = []
    for p in programmes:
        pupils = sum(pupils_by.get((p.school_id, grade), 0) for grade in set(p.grades))
        n_enrolled = enrolled.get(p.pk, 0)
        n_teachers = teachers.get(p.school_id, 0)
        survey = surveys.get(p.pk)
        n = survey["n"] if survey else 0
        rows.append({
            "programme": p, "school": p.school, "pupils": pupils, "enrolled": n_enrolled,
            "menu_enrolled": menu.get(p.pk, 0),
            "participation": round(n_enrolled / pupils, 4) if pupils else 0.0,
            "teachers": n_teachers, "teachers_running": len(running[p.pk]),
            "teacher_participation": round(len(running[p.pk]) / n_teachers, 4)
            if n_teachers else 0.0,
            "responses": n,
            "liking": round(survey["liking_avg"], 2) if n else None,
            "satisfaction": round(survey["satisfaction_avg"], 2) if n else None,
            "satisfied_share": round(survey["satisfied"] / n, 4) if n else None,
        })
    return rows
