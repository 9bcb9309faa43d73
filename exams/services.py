"""Exam use cases: filing, changing and withdrawing exams, recording levels (RULES.md §2).
Every door (web, API) calls these.

Each refusal names its rule (``EX-1`` … ``EX-8``) and the field, and saves nothing. Lock order: a
filing, change or withdrawal locks the school row (``select_for_update``) before it counts the
term's exams, so two concurrent filings for one school cannot both pass the EX-2/EX-3/EX-6
limits; the partial unique constraint on ``Exam`` is the backstop for finals and mid-terms.
"""

import re
from collections import Counter

from django.db import transaction
from django.utils import timezone

from audit.actions import created, diff, log_action, snapshot
from core.access import require
from core.errors import Conflict, Forbidden, RuleViolation
from exams.models import (
    FORBIDDEN_KINDS,
    GRADE_KINDS,
    Exam,
    ExamResult,
    ExamScope,
    Kind,
    levels_for,
)
from org.models import GRADE_NAMES, SUBJECT_NAMES, Pupil, School, Stage, TeachingAssignment
from schoolcal.calendar import SchoolCalendar

FIELDS = ["grade", "school_class", "subjects", "kind", "paper_based", "scope", "date", "term",
          "title", "note"]
CHANGEABLE = ["title", "date", "kind", "paper_based", "scope", "subjects", "note"]

# National defaults of the exam limits (RULES §2). policy/params.py has no exam parameters yet;
# when it gains them (keys below), read them through policy.services.Policy like homework does.
MAX_FINAL_PER_TERM = 1  # EX-2, ex.max_final_per_term
MAX_MIDTERM_PER_TERM = {Stage.PRIMARY: 0, Stage.JUNIOR: 1}  # EX-3, ex.max_midterm_per_term.*
MAX_MOCK_PER_YEAR = 2  # EX-6, ex.max_mock.junior_graduating
GRADUATING_GRADE = 9  # the junior graduating grade in both school systems (XC-1)

NUMERIC = re.compile(r"^\s*[-+]?\d+(\.\d+)?\s*分?\s*$")


# ---- the school calendar --------------------------------------------------------------------

def _chain(bureau):
    ids = []
    while bureau is not None:
        ids.append(bureau.pk)
        bureau = bureau.parent
    return ids


def school_terms(school, calendar=None):
    """The terms of the nearest bureau (the school's own, else a parent's) that has any."""
    calendar = calendar or SchoolCalendar(school.bureau)
    for bureau_id in _chain(school.bureau):
        terms = sorted((t for t in calendar.terms if t.bureau_id == bureau_id),
                       key=lambda t: t.start)
        if terms:
            return terms
    return []


def term_for(school, date, calendar=None):
    """The term of the school's calendar covering ``date``, or None."""
    return next((t for t in school_terms(school, calendar) if t.start <= date <= t.end), None)


def current_term(terms, today=None):
    """Of ``school_terms``: the one covering today, else the next one, else the last one."""
    today = today or timezone.localdate()
    return (next((t for t in terms if t.start <= today <= t.end), None)
            or next((t for t in terms if t.start > today), None)
            or (terms[-1] if terms else None))


def _is_last_term(term, terms):
    """EX-6: the last term of its school year (a school year with one term entered is unknown)."""
    same_year = [t for t in terms if t.school_year == term.school_year]
    return len(same_year) >= 2 and max(same_year, key=lambda t: t.start).pk == term.pk


def _check_date(school, date):
    """The exam's term; refused when the date is far off, outside every term or not a school day."""
    today = timezone.localdate()
    if abs((date - today).days) > 366:
        raise RuleViolation("invalid", "考试日期应在今天前后一年之内。", "date")
    calendar = SchoolCalendar(school.bureau)
    term = term_for(school, date, calendar)
    if term is None:
        raise RuleViolation("invalid", "考试日期不在本区校历的任何学期内，请教育局先在“校历”中录入学期。",
                            "date")
    day = calendar.day(date)
    if not day.is_school_day:
        when = f"{date.year}年{date.month}月{date.day}日"
        raise RuleViolation("invalid", f"{when}是{day.label}，考试应安排在上课日。", "date")
    return term


# ---- limits ---------------------------------------------------------------------------------

def limits(school, grade):
    """How many finals and mid-terms per term and mocks per school year the grade may have."""
    stage = school.stage_of_grade(grade)
    return {"final": MAX_FINAL_PER_TERM, "midterm": MAX_MIDTERM_PER_TERM[stage],
            "mock": MAX_MOCK_PER_YEAR if grade == GRADUATING_GRADE else 0, "stage": stage}


def grade_summary(school, term, grades):
    """Per grade: finals and mid-terms filed in the term and mocks in its school year, against
    the limits (the index page's summary)."""
    exams = Exam.objects.filed().filter(school=school, school_class__isnull=True,
                                        grade__in=list(grades))
    in_term = Counter(exams.filter(term=term, kind__in=[Kind.FINAL, Kind.MIDTERM])
                      .values_list("grade", "kind"))
    mocks = Counter(exams.filter(kind=Kind.MOCK, term__bureau_id=term.bureau_id,
                                 term__school_year=term.school_year)
                    .values_list("grade", flat=True))
    rows = []
    for grade in grades:
        limit = limits(school, grade)
        row = {"grade": grade, "grade_name": GRADE_NAMES[grade],
               "stage": Stage(limit["stage"]).label, "paper": grade > 2,
               "finals": in_term[(grade, Kind.FINAL)], "final_limit": limit["final"],
               "midterms": in_term[(grade, Kind.MIDTERM)], "midterm_limit": limit["midterm"],
               "mocks": mocks[grade], "mock_limit": limit["mock"]}
        row["full"] = {k for k in ("final", "midterm", "mock") if row[f"{k}s"] >= row[f"{k}_limit"]}
        rows.append(row)
    return rows


# ---- checks ---------------------------------------------------------------------------------

def _clean(data):
    """Field checks (codes ``required`` / ``invalid``) before any rule is looked at."""
    data["title"] = (data.get("title") or "").strip()
    if not data["title"]:
        raise RuleViolation("required", "考试名称不能为空。", "title")
    if len(data["title"]) > 100:
        raise RuleViolation("invalid", "考试名称不能超过 100 个字。", "title")
    subjects = data.get("subjects")
    if isinstance(subjects, str):
        subjects = [subjects]
    if not subjects:
        raise RuleViolation("required", "请至少选择一个学科。", "subjects")
    for subject in subjects:
        if subject not in SUBJECT_NAMES:
            raise RuleViolation("invalid", f"学科取值无效：{subject}。", "subjects")
    data["subjects"] = list(dict.fromkeys(subjects))  # unique, in the given order
    if data.get("kind") not in Kind.values:
        raise RuleViolation("invalid", f"考试类型取值无效：{data.get('kind')}。", "kind")
    if data.get("scope") not in ExamScope.values:
        raise RuleViolation("invalid", f"考试范围取值无效：{data.get('scope')}。", "scope")
    if not isinstance(data.get("paper_based"), bool):
        raise RuleViolation("invalid", "请说明是否为纸笔考试。", "paper_based")
    data["note"] = (data.get("note") or "").strip()[:300]
    return data


def _grade_and_class(school, grade, school_class):
    """The grade the exam covers: the class's when it is a class quiz."""
    if school_class is not None:
        if school_class.school_id != school.pk:
            raise RuleViolation("invalid", "班级不属于该学校。", "school_class")
        if grade is not None and grade != school_class.grade:
            raise RuleViolation("invalid", "年级与班级不一致。", "grade")
        grade = school_class.grade
    if grade is None:
        raise RuleViolation("required", "请选择年级。", "grade")
    if grade not in school.grades:
        raise RuleViolation("invalid", f"该校没有{grade}年级。", "grade")
    return grade


def _lock_school(school):
    """Serialise the school's exam filings (lock once, before counting)."""
    School.objects.select_for_update().filter(pk=school.pk).first()


def _check_rules(*, school, grade, school_class, kind, paper_based, scope, term, exclude=None):
    """EX-1 … EX-6 for one exam; the counts are read under the school lock."""
    # EX-5: weekly, monthly and unit tests are forbidden whatever they cover.
    if kind in FORBIDDEN_KINDS:
        raise RuleViolation("EX-5", "不得组织周考、月考、单元考试等其他各类考试。", "kind")
    # Finals, mid-terms and mocks are organised by the school for the whole grade.
    if kind in GRADE_KINDS and school_class is not None:
        raise RuleViolation("invalid", "期末、期中和模拟考试面向全年级，不能只为一个班级备案。",
                            "school_class")
    # EX-1: no paper-and-pencil exams at all in grades 1–2.
    if grade <= 2 and paper_based:
        raise RuleViolation("EX-1", "小学一二年级不进行纸笔考试。", "paper_based")
    # EX-5: a "quiz" (测验、限时练习) or other test on paper for the whole grade is a disguised
    # exam; class-level quizzes and tests not on paper are classroom practice.
    if kind in (Kind.QUIZ, Kind.OTHER) and paper_based and school_class is None:
        raise RuleViolation("EX-5", "面向全年级的纸笔测验、限时练习属于变相考试，不得组织。", "kind")
    # EX-4: regional or inter-school exams only for the junior graduating grade.
    if scope != ExamScope.SCHOOL and grade != GRADUATING_GRADE:
        raise RuleViolation("EX-4", "不得面向小学各年级和初中非毕业年级组织区域性或跨校际的考试。",
                            "scope")
    limit = limits(school, grade)
    # EX-3: mid-terms only in junior grades (the stage by the school's system, XC-1).
    if kind == Kind.MIDTERM and not limit["midterm"]:
        raise RuleViolation("EX-3", "小学年级不安排期中考试；初中年级每学期可安排一次期中考试。", "kind")
    # EX-6: mocks only for the graduating grade, only in the school year's last term.
    if kind == Kind.MOCK:
        if not limit["mock"]:
            raise RuleViolation("EX-6", "模拟考试只限初中毕业年级（九年级）。", "grade")
        if not _is_last_term(term, school_terms(school)):
            raise RuleViolation("EX-6", "模拟考试只能安排在九年级最后一个学期的总复习阶段。", "date")
    if kind not in GRADE_KINDS:
        return
    _lock_school(school)
    others = Exam.objects.filed().filter(school=school, grade=grade, school_class__isnull=True,
                                         kind=kind).exclude(pk=exclude)
    # EX-2: one final per term per grade.
    if kind == Kind.FINAL and others.filter(term=term).count() >= limit["final"]:
        raise RuleViolation("EX-2", f"每学期只组织一次期末考试：{term}该年级已有期末考试备案。", "kind")
    # EX-3: at most one mid-term per term per grade.
    if kind == Kind.MIDTERM and others.filter(term=term).count() >= limit["midterm"]:
        raise RuleViolation("EX-3", f"初中每学期最多安排一次期中考试：{term}该年级已有期中考试备案。",
                            "kind")
    # EX-6: at most two mocks per school year.
    if kind == Kind.MOCK and others.filter(term__bureau_id=term.bureau_id,
                                           term__school_year=term.school_year
                                           ).count() >= limit["mock"]:
        raise RuleViolation("EX-6", f"九年级每学年最多组织 {limit['mock']} 次模拟考试。", "kind")


def _check_filer(actor, school, school_class, subjects):
    """The academic office files any exam; a teacher only a quiz of a class they teach."""
    scope = actor.scope
    if school.pk in scope.admin_school_ids:
        return
    if school_class is None:
        raise Forbidden("年级考试由学校教导处（学校管理员）统一备案；任课教师只能为任教班级备案测验。",
                        "school_class")
    if school_class.pk in scope.head_class_ids:
        return
    taught = set(TeachingAssignment.objects.filter(
        teacher_id=scope.teacher_id, school_class=school_class).values_list("subject", flat=True))
    if not taught or not set(subjects) <= taught:
        raise Forbidden("您只能为自己在该班任教的学科备案测验。", "subjects")


def _check_open(exam):
    """Only a filed exam whose date is still ahead can change or be withdrawn."""
    if exam.status != Exam.Status.FILED:
        raise Conflict("该考试已撤回。", code="withdrawn")
    if exam.date <= timezone.localdate():
        raise Conflict("考试当天及之后不能再修改或撤回。", "date", code="exam_held")


# ---- use cases ------------------------------------------------------------------------------

@transaction.atomic
def file_exam(*, actor, school, date, kind, subjects, title, grade=None, school_class=None,
              paper_based=True, scope=ExamScope.SCHOOL, note=""):
    """File an exam of a grade (the academic office) or a quiz of one class (its teacher)."""
    require(actor, "create", Exam)
    data = _clean({"title": title, "subjects": subjects, "kind": kind, "scope": scope,
                   "paper_based": paper_based, "note": note})
    grade = _grade_and_class(school, grade, school_class)
    term = _check_date(school, date)
    _check_rules(school=school, grade=grade, school_class=school_class, kind=data["kind"],
                 paper_based=data["paper_based"], scope=data["scope"], term=term)
    _check_filer(actor, school, school_class, data["subjects"])
    exam = Exam.objects.create(school=school, grade=grade, school_class=school_class, date=date,
                               term=term, filed_by=actor, teacher_id=actor.scope.teacher_id,
                               **data)
    log_action(exam, "exams.filed", actor=actor, kind="create", changes=created(exam, FIELDS))
    return exam


@transaction.atomic
def change_exam(*, actor, exam, **data):
    """Change an exam before its date; every rule is checked again, the exam itself excluded.
    ``None`` leaves a field as it is. The school, grade and class cannot change (withdraw and
    file again)."""
    require(actor, "change", exam)
    school = exam.school
    _lock_school(school)
    current = Exam.objects.filter(pk=exam.pk).select_related("school_class").first()
    _check_open(current)
    merged = {f: getattr(current, f) for f in CHANGEABLE}
    merged.update({k: v for k, v in data.items() if k in CHANGEABLE and v is not None})
    merged = _clean(merged)
    if merged["date"] <= timezone.localdate():
        raise RuleViolation("invalid", "新的考试日期应在今天之后。", "date")
    term = _check_date(school, merged["date"])
    _check_rules(school=school, grade=current.grade, school_class=current.school_class,
                 kind=merged["kind"], paper_based=merged["paper_based"], scope=merged["scope"],
                 term=term, exclude=current.pk)
    _check_filer(actor, school, current.school_class, merged["subjects"])
    before = snapshot(current, FIELDS)
    for field, value in merged.items():
        setattr(current, field, value)
    current.term = term
    current.save()
    log_action(current, "exams.changed", actor=actor, changes=diff(before, snapshot(current, FIELDS)))
    return current


@transaction.atomic
def withdraw_exam(*, actor, exam):
    """Withdraw an exam before its date. The row stays (status withdrawn) for the record."""
    require(actor, "change", exam)
    _lock_school(exam.school)
    current = Exam.objects.filter(pk=exam.pk).first()
    _check_open(current)
    current.status = Exam.Status.WITHDRAWN
    current.save(update_fields=["status", "updated_at"])
    log_action(current, "exams.withdrawn", actor=actor, kind="delete",
               changes={"status": [Exam.Status.FILED.value, Exam.Status.WITHDRAWN.value]})
    return current


def level_text(levels):
    return "、".join(f"{code} {label}" for code, label in levels)


def _level(value, levels):
    """The level code of ``value`` (a code such as ``A`` or a label such as ``优秀``); EX-8
    refuses numbers and anything else."""
    if isinstance(value, bool):
        value = None
    text = "" if value is None else str(value).strip()
    if isinstance(value, int | float) or NUMERIC.match(text):
        raise RuleViolation("EX-8", "考试结果实行等级评价，不录入分数：请填写等级（"
                            f"{level_text(levels)}）。", "level")
    by_label = {label: code for code, label in levels}
    code = text.upper() if text.upper() in dict(levels) else by_label.get(text)
    if code is None:
        raise RuleViolation("EX-8", f"等级应为 {level_text(levels)} 之一。", "level")
    return code


def _clean_results(exam, results, levels):
    rows, seen = [], set()
    for item in results:
        # EX-8: a numeric score is refused even next to a level.
        if item.get("score") is not None:
            raise RuleViolation("EX-8", "考试结果实行等级评价，不录入分数：请只填写等级（"
                                f"{level_text(levels)}）。", "score")
        pupil = item.get("pupil")
        if type(pupil) is not int:
            raise RuleViolation("invalid", "请指定学生。", "pupil")
        subject = item.get("subject") or (exam.subjects[0] if len(exam.subjects) == 1 else None)
        if subject is None:
            raise RuleViolation("required", "本次考试有多个学科，请为每条等级指定学科。", "subject")
        if subject not in exam.subjects:
            raise RuleViolation("invalid", f"本次考试不含该学科：{subject}。", "subject")
        code = _level(item.get("level"), levels)
        if (pupil, subject) in seen:
            raise RuleViolation("invalid", "同一学生同一学科只能录入一个等级。", "results")
        seen.add((pupil, subject))
        rows.append((pupil, subject, code))
    if not rows:
        raise RuleViolation("required", "请至少录入一名学生的等级。", "results")
    return rows


def _check_recorder(actor, exam, pupils, rows):
    """The academic office records any pupil; a teacher only pupils of their classes, in the
    subjects they teach there (a head teacher: every subject of their class)."""
    scope = actor.scope
    if exam.school_id in scope.admin_school_ids:
        return
    taught = set(TeachingAssignment.objects.filter(teacher_id=scope.teacher_id).values_list(
        "school_class_id", "subject")) if scope.teacher_id else set()
    for pupil_id, subject, _ in rows:
        class_id = pupils[pupil_id].school_class_id
        if class_id not in scope.head_class_ids and (class_id, subject) not in taught:
            raise Forbidden("您只能录入自己任教班级、任教学科的学生等级。", "results")


def recordable_pupils(exam):
    """The pupils who sat the exam: its class, or every class of its grade."""
    pupils = Pupil.objects.filter(school_id=exam.school_id, school_class__grade=exam.grade)
    if exam.school_class_id:
        pupils = pupils.filter(school_class_id=exam.school_class_id)
    return pupils


@transaction.atomic
def record_results(*, actor, exam, results):
    """Record (or correct) pupils' levels after the exam: ``results`` is a list of
    ``{"pupil": id, "subject": code, "level": "A"}``. Returns counts; never the levels of others
    (EX-9: no class list of results leaves this function)."""
    require(actor, "record", exam)
    if exam.status != Exam.Status.FILED:
        raise Conflict("该考试已撤回。", code="withdrawn")
    if exam.date > timezone.localdate():
        raise Conflict("考试尚未举行，考试结束后才能录入等级。", "date", code="not_held")
    levels = levels_for(exam.school.bureau)
    rows = _clean_results(exam, list(results), levels)
    ids = {pupil for pupil, _, _ in rows}
    pupils = {p.pk: p for p in recordable_pupils(exam).filter(pk__in=ids)}
    missing = sorted(ids - set(pupils))
    if missing:
        raise RuleViolation("invalid", f"以下学生不在本次考试范围内：{'、'.join(map(str, missing))}。",
                            "pupil")
    _check_recorder(actor, exam, pupils, rows)
    before = {(r.pupil_id, r.subject): r.level
              for r in ExamResult.objects.filter(exam=exam, pupil_id__in=ids)}
    changed = [(p, s, c) for p, s, c in rows if before.get((p, s)) != c]
    ExamResult.objects.bulk_create(
        [ExamResult(exam=exam, pupil_id=p, subject=s, level=c, recorded_by=actor)
         for p, s, c in changed],
        update_conflicts=True, unique_fields=["exam", "pupil", "subject"],
        update_fields=["level", "recorded_by", "updated_at"])
    new = sum(1 for p, s, _ in changed if (p, s) not in before)
    # The audit entry names the pupils, not their levels: the log is read more widely than the
    # results may be (EX-9).
    log_action(exam, "exams.results.recorded", actor=actor,
               data={"created": new, "changed": len(changed) - new,
                     "pupils": sorted({p for p, _, _ in changed})})
    return {"recorded": len(rows), "created": new, "changed": len(changed) - new}
