"""Five-managements and burden-monitoring use cases. Every door (pages, API) calls these; each
checks its rules, writes the audit entry in the same transaction and returns the object.

Once-only answers: a guardian's answer for a child is written under a row lock on the survey
(``select_for_update(of=("self",))``), after checking that no receipt exists, and the receipt's
unique constraint (survey, pupil) is the backstop; so two identical requests at once store one
answer and the other gets 409.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audit.actions import diff, log_action, snapshot
from core.access import require
from core.errors import Conflict, Forbidden, RuleViolation
from org.models import GRADE_NAMES, School
from org.roles import Role
from policy.services import Policy
from wellbeing import burden
from wellbeing.aggregates import after_noon
from wellbeing.compliance import school_stages
from wellbeing.models import (
    BurdenPublication,
    ReadingList,
    ReadingListStep,
    SchoolSettings,
    Survey,
    SurveyAnswer,
    SurveyReceipt,
    runs_school,
)

SETTINGS_FIELDS = ["class_start_primary", "class_start_junior", "early_arrival_required",
                   "pe_lessons", "big_break_minutes", "break_minutes", "in_school_activity_minutes",
                   "phone_default", "phone_consent_required", "phone_kept_by_school",
                   "phone_banned_in_class", "public_phone", "head_teacher_hotline",
                   "e_student_card", "other_channel"]
BOOLEAN_FIELDS = ["early_arrival_required", "phone_consent_required", "phone_kept_by_school",
                  "phone_banned_in_class", "public_phone", "head_teacher_hotline", "e_student_card"]


def _today():
    return timezone.localdate()


def _time(value, field, label):
    if value in (None, ""):
        raise RuleViolation("required", f"请填写{label}。", field)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    try:
        return dt.time.fromisoformat(str(value)).replace(second=0, microsecond=0)
    except ValueError:
        raise RuleViolation("invalid", f"{label}应为 时:分，如 08:20。", field) from None


def _int(value, field, label, low, high):
    if value in (None, ""):
        raise RuleViolation("required", f"请填写{label}。", field)
    if isinstance(value, bool):
        raise RuleViolation("invalid", f"{label}应为整数。", field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RuleViolation("invalid", f"{label}应为整数。", field) from None
    if str(number) != str(value).strip() and not isinstance(value, int):
        raise RuleViolation("invalid", f"{label}应为整数。", field)
    if not low <= number <= high:
        raise RuleViolation("invalid", f"{label}应在 {low}–{high} 之间。", field)
    return number


def _term_of_school(term, school):
    if term.bureau_id != school.bureau_id:
        raise RuleViolation("invalid", "该学期不属于学校所在教育局的校历。", "term")


# ---- school settings (SL-2, PE-1, PE-2, PE-3, PH-1, PH-2) ---------------------------------------


def clean_settings(school, data):
    """The declared settings, validated field by field (not against the rules: a declaration
    that breaks a rule is saved and shown as 不符合)."""
    out = {}
    stages = school_stages(school)
    for stage, label in (("primary", "小学部上午第一节课开始时间"), ("junior", "初中部上午第一节课开始时间")):
        field = f"class_start_{stage}"
        out[field] = _time(data.get(field), field, label) if stage in stages else None
    lessons = data.get("pe_lessons")
    if not isinstance(lessons, dict):
        raise RuleViolation("required", "请填写各年级每周体育课时。", "pe_lessons")
    out["pe_lessons"] = {}
    for grade in school.grades:
        value = lessons.get(str(grade), lessons.get(grade))
        out["pe_lessons"][str(grade)] = _int(value, "pe_lessons",
                                             f"{GRADE_NAMES[grade]}每周体育课时", 0, 20)
    extra = {str(k) for k in lessons} - {str(g) for g in school.grades}
    if extra:
        raise RuleViolation("invalid", f"本校没有这些年级：{'、'.join(sorted(extra))}。", "pe_lessons")
    for field, label in (("big_break_minutes", "大课间时长"), ("break_minutes", "课间休息时长"),
                         ("in_school_activity_minutes", "每天校内体育活动时间")):
        out[field] = _int(data.get(field), field, label, 0, 240 if field.startswith("in") else 90)
    phone_default = data.get("phone_default")
    if phone_default not in SchoolSettings.PhoneDefault.values:
        raise RuleViolation("required" if not phone_default else "invalid",
                            "请选择学生手机进校的规定。", "phone_default")
    out["phone_default"] = phone_default
    for field in BOOLEAN_FIELDS:
        value = data.get(field, False)
        if not isinstance(value, bool):
            raise RuleViolation("invalid", "应为是或否。", field)
        out[field] = value
    out["other_channel"] = str(data.get("other_channel") or "").strip()[:200]
    return out


@transaction.atomic
def save_settings(*, actor, school, term, **data):
    """A school admin declares (or changes) the school's settings for a term."""
    require(actor, "change", SchoolSettings)
    if school.pk not in actor.scope.admin_school_ids:
        raise Forbidden("只能填报本校的设置。", "school")
    _term_of_school(term, school)
    values = clean_settings(school, data)
    settings = SchoolSettings.objects.select_for_update().filter(school=school, term=term).first()
    created = settings is None
    before = {} if created else snapshot(settings, SETTINGS_FIELDS)
    settings = settings or SchoolSettings(school=school, term=term)
    for field, value in values.items():
        setattr(settings, field, value)
    settings.updated_by = actor
    try:
        with transaction.atomic():
            settings.save()
    except IntegrityError:  # saved by a concurrent request between our read and write
        raise Conflict("该学期的设置刚被他人保存，请刷新后重试。", "term") from None
    log_action(settings, "wellbeing.settings.saved", actor=actor,
               kind="create" if created else "update",
               changes=diff(before, snapshot(settings, SETTINGS_FIELDS)))
    return settings


# ---- reading lists (RD-1, RD-2) ---------------------------------------------------------------


def _clean_reading(school, data, *, partial=False):
    out = {}
    if not partial or "title" in data:
        title = str(data.get("title") or "").strip()
        if not title:
            raise RuleViolation("required", "请填写名称。", "title")
        out["title"] = title[:100]
    if not partial or "books" in data:
        books = "\n".join(line.strip() for line in str(data.get("books") or "").splitlines()
                          if line.strip())
        if not books:
            raise RuleViolation("required", "请填写推荐书目，每行一本。", "books")
        out["books"] = books[:20000]
    if not partial or "grades" in data:
        grades = data.get("grades") or []
        if not isinstance(grades, list | tuple) or not grades or not all(
                isinstance(g, int) and g in school.grades for g in grades):
            raise RuleViolation("invalid", "适用年级应为本校的年级。", "grades")
        out["grades"] = sorted(set(grades))
    if "purchase" in data or not partial:
        purchase = data.get("purchase", ReadingList.Purchase.VOLUNTARY)
        if purchase not in ReadingList.Purchase.values:
            raise RuleViolation("invalid", f"购买方式无效：{purchase}。", "purchase")
        out["purchase"] = purchase
    if "disclosed_to_parents" in data or not partial:
        disclosed = data.get("disclosed_to_parents", False)
        if not isinstance(disclosed, bool):
            raise RuleViolation("invalid", "应为是或否。", "disclosed_to_parents")
        out["disclosed_to_parents"] = disclosed
    return out


@transaction.atomic
def create_reading_list(*, actor, school, school_year, **data):
    """A school records its recommended reading for a school year, at the selection step. RD-1:
    at most the district's number of recommendations per school year."""
    require(actor, "create", ReadingList)
    if school.pk not in actor.scope.admin_school_ids:
        raise Forbidden("只能为本校推荐课外读物。", "school")
    school_year = str(school_year or "").strip()
    try:
        first, second = (int(p) for p in school_year.split("-"))
    except ValueError:
        raise RuleViolation("invalid", "学年格式应为 2026-2027。", "school_year") from None
    if second != first + 1:
        raise RuleViolation("invalid", "学年格式应为 2026-2027。", "school_year")
    values = _clean_reading(school, data)
    # Serialise a school's recommendations: the count check below must see concurrent ones.
    School.objects.select_for_update(of=("self",)).filter(pk=school.pk).first()
    limit = int(Policy(school.bureau)["rd.recommend_per_year"])
    if ReadingList.objects.filter(school=school, school_year=school_year).count() >= limit:
        raise RuleViolation("RD-1", f"课外读物原则上每学年推荐 {limit} 次，本学年已推荐。",
                            "school_year")
    reading = ReadingList.objects.create(school=school, school_year=school_year,
                                         created_by=actor, **values)
    ReadingListStep.objects.create(reading_list=reading, status=ReadingList.Status.SELECTED,
                                   actor=actor, note="初选")
    log_action(reading, "wellbeing.reading.created", actor=actor, kind="create",
               data={"school_year": school_year, "books": len(reading.book_lines)})
    return reading


@transaction.atomic
def change_reading_list(*, actor, reading_list, **data):
    """Change the books (only at selection, before review) or the purchase and disclosure
    (any time: RD-2 is about what families are told and asked)."""
    require(actor, "change", reading_list)
    reading = ReadingList.objects.select_for_update().get(pk=reading_list.pk)
    values = _clean_reading(reading.school, data, partial=True)
    content = {"title", "books", "grades"} & set(values)
    if content and reading.status != ReadingList.Status.SELECTED:
        raise Conflict("书目已进入审核程序，不能再修改书目；如需调整请在下一学年重新推荐。",
                       sorted(content)[0])
    fields = list(values)
    before = snapshot(reading, fields)
    for field, value in values.items():
        setattr(reading, field, value)
    reading.save(update_fields=fields or None)
    log_action(reading, "wellbeing.reading.changed", actor=actor,
               changes=diff(before, snapshot(reading, fields)))
    return reading


@transaction.atomic
def advance_reading_list(*, actor, reading_list, to, note="", negative_list_checked=False):
    """The next step of RD-1's procedure: selection → review → confirmation → filing."""
    require(actor, "change", reading_list)
    reading = ReadingList.objects.select_for_update().get(pk=reading_list.pk)
    allowed = ReadingList.TRANSITIONS[reading.status]
    if to not in ReadingList.Status.values:
        raise RuleViolation("invalid", f"程序无效：{to}。", "to")
    if to not in allowed:
        raise Conflict(f"当前为“{reading.get_status_display()}”，不能直接进入"
                       f"“{ReadingList.Status(to).label}”：须依次经过初选、审核、确认、备案（RD-1）。",
                       "to", code="RD-1")
    if to == ReadingList.Status.REVIEWED:
        if negative_list_checked is not True:
            raise RuleViolation("RD-1", "审核须确认推荐读物不含《管理办法》所列 12 种负面情形。",
                                "negative_list_checked")
        reading.negative_list_checked = True
    old = reading.status
    reading.status = to
    reading.save(update_fields=["status", "negative_list_checked"])
    ReadingListStep.objects.create(reading_list=reading, status=to, actor=actor,
                                   note=str(note or "").strip()[:300])
    log_action(reading, "wellbeing.reading.advanced", actor=actor,
               changes={"status": [old, to]})
    return reading


# ---- surveys ------------------------------------------------------------------------------------


@transaction.atomic
def launch_survey(*, actor, school, term, closes_on):
    """Open the school's questionnaire for the term (a school admin, or the district's bureau)."""
    require(actor, "launch", Survey)
    if not runs_school(actor.scope, school):
        raise Forbidden("只能为本校（或本区学校）发起问卷。", "school")
    _term_of_school(term, school)
    today = _today()
    if isinstance(closes_on, str):
        try:
            closes_on = dt.date.fromisoformat(closes_on)
        except ValueError:
            raise RuleViolation("invalid", "截止日期格式应为 2026-12-31。", "closes_on") from None
    if closes_on is None:
        raise RuleViolation("required", "请填写截止日期。", "closes_on")
    if closes_on < today:
        raise RuleViolation("invalid", "截止日期不能早于今天。", "closes_on")
    if today > term.end:
        raise RuleViolation("invalid", "该学期已结束，不能再发起问卷。", "term")
    if closes_on > term.end:
        raise RuleViolation("invalid", f"截止日期应在学期结束（{term.end}）之前。", "closes_on")
    if Survey.objects.filter(school=school, term=term).exists():
        raise Conflict("本学期已发起过问卷，每学期一次。", "term", code="survey_exists")
    try:
        with transaction.atomic():
            survey = Survey.objects.create(school=school, term=term, opens_on=today,
                                           closes_on=closes_on, launched_by=actor)
    except IntegrityError:
        raise Conflict("本学期已发起过问卷，每学期一次。", "term", code="survey_exists") from None
    log_action(survey, "wellbeing.survey.launched", actor=actor, kind="create",
               data={"closes_on": closes_on.isoformat()})
    return survey


def launch_district_surveys(*, actor, term, closes_on, schools):
    """The bureau opens the questionnaire in every given school that has none this term.
    Returns the surveys opened (each in its own transaction, each audited)."""
    opened = []
    for school in schools:
        if Survey.objects.filter(school=school, term=term).exists():
            continue
        opened.append(launch_survey(actor=actor, school=school, term=term, closes_on=closes_on))
    return opened


@transaction.atomic
def close_survey(*, actor, survey):
    require(actor, "close", survey)
    survey = Survey.objects.select_for_update(of=("self",)).get(pk=survey.pk)
    if survey.status == Survey.Status.CLOSED:
        raise Conflict("问卷已经结束。", "status")
    survey.status, survey.closed_at = Survey.Status.CLOSED, timezone.now()
    survey.save(update_fields=["status", "closed_at"])
    log_action(survey, "wellbeing.survey.closed", actor=actor,
               changes={"status": ["open", "closed"]}, data={"answers": survey.answer_count})
    return survey


def is_open(survey, today=None):
    today = today or _today()
    return survey.status == Survey.Status.OPEN and survey.opens_on <= today <= survey.closes_on


ANSWER_MINUTES = {  # field: (label, maximum)
    "homework_minutes": ("每天在家完成书面作业用时", 600),
    "screen_minutes": ("每天使用手机等电子产品娱乐的时间", 720),
    "reading_minutes": ("每天课外阅读时间", 600),
    "pe_in_school_minutes": ("每天校内体育活动时间", 600),
    "pe_out_school_minutes": ("每天校外体育活动时间", 600),
}
ANSWER_FLAGS = {
    "phone_to_school": "孩子是否带手机进校",
    "compulsory_purchase": "学校是否要求或统一组织购买课外读物",
    "subject_training": "孩子是否参加学科类校外培训",
}


def clean_answer(data):
    """The answers, checked field by field: a field code and nothing saved on the first error."""
    out = {}
    bedtime = _time(data.get("bedtime"), "bedtime", "孩子上学日通常入睡时间")
    wake = _time(data.get("wake_time"), "wake_time", "孩子上学日通常起床时间")
    # Bedtime between 18:00 and 03:00 (6–15 hours after noon); waking between 04:00 and 11:00.
    if not 360 <= after_noon(bedtime) <= 900:
        raise RuleViolation("invalid", "入睡时间应在 18:00 至次日 03:00 之间。", "bedtime")
    if not 4 <= wake.hour < 11:
        raise RuleViolation("invalid", "起床时间应在 04:00 至 11:00 之间。", "wake_time")
    sleep = (wake.hour * 60 + wake.minute - bedtime.hour * 60 - bedtime.minute) % 1440
    if not 240 <= sleep <= 840:
        raise RuleViolation("invalid", "按入睡和起床时间计算的睡眠时长应在 4–14 小时之间，请核对。",
                            "wake_time")
    out.update(bedtime=bedtime, wake_time=wake, sleep_minutes=sleep,
               bedtime_after_noon=after_noon(bedtime))
    for field, (label, maximum) in ANSWER_MINUTES.items():
        out[field] = _int(data.get(field), field, label, 0, maximum)
    done = data.get("homework_done_by")
    if done in (None, ""):
        out["homework_done_after_noon"] = None
    else:
        done = _time(done, "homework_done_by", "书面作业通常完成时刻")
        if not 0 <= after_noon(done) <= 900:
            raise RuleViolation("invalid", "作业完成时刻应在 12:00 至次日 03:00 之间。",
                                "homework_done_by")
        out["homework_done_after_noon"] = after_noon(done)
    for field, label in ANSWER_FLAGS.items():
        value = data.get(field)
        if value is None:
            raise RuleViolation("required", f"请回答：{label}。", field)
        if not isinstance(value, bool):
            raise RuleViolation("invalid", "应为是或否。", field)
        out[field] = value
    out["burden"] = _int(data.get("burden"), "burden", "课业负担感受", 1, 5)
    return out


def answer_survey(*, actor, survey, pupil, **data):
    """A guardian answers for their child, once (receipt and anonymous answer in one
    transaction)."""
    require(actor, "answer", Survey)
    if pupil.pk not in actor.scope.pupil_ids:
        raise Forbidden("只能为自己的孩子填写问卷。", "pupil")
    if pupil.school_id != survey.school_id:
        raise RuleViolation("invalid", "孩子不在该校就读，无需填写本问卷。", "pupil")
    values = clean_answer(data)
    try:
        return _store_answer(actor, survey, pupil, values)
    except IntegrityError:  # the unique receipt: a concurrent identical request won
        raise _answered() from None


def _answered():
    return Conflict("已为该学生填写过本问卷（每名学生一份）。", "pupil", code="already_answered")


@transaction.atomic
def _store_answer(actor, survey, pupil, values):
    # One answer per child: checked under the survey's row lock, backed by the receipt's
    # unique constraint.
    survey = Survey.objects.select_for_update(of=("self",)).select_related("school").get(
        pk=survey.pk)
    if not is_open(survey):
        raise Conflict("问卷已结束或尚未开始。", "survey", code="survey_closed")
    if SurveyReceipt.objects.filter(survey=survey, pupil=pupil).exists():
        raise _answered()
    grade = pupil.school_class.grade
    receipt = SurveyReceipt.objects.create(survey=survey, pupil=pupil, answered_by=actor)
    SurveyAnswer.objects.create(survey=survey, grade=grade,
                                stage=survey.school.stage_of_grade(grade), **values)
    Survey.objects.filter(pk=survey.pk).update(answer_count=F("answer_count") + 1)
    # The log says who answered for which child, never what: the answers stay anonymous.
    log_action(receipt, "wellbeing.survey.answered", actor=actor, kind="create",
               data={"survey": survey.pk})
    return receipt


# ---- burden report publication (QM-3) -----------------------------------------------------------


@transaction.atomic
def publish_burden_report(*, actor, term, public=False, note=""):
    """The bureau publishes the term's burden report of its district's schools (负担公示): the
    figures are frozen in the publication. Publishing again replaces them (version + 1)."""
    require(actor, "publish", BurdenPublication)
    if term.bureau_id not in actor.scope.bureau_ids_for(Role.BUREAU_ADMIN):
        raise Forbidden("只能公布本局的课业负担监测报告。", "term")
    if term.start > _today():
        raise RuleViolation("invalid", "该学期尚未开始，没有可公布的数据。", "term")
    schools = School.objects.filter(bureau_id=term.bureau_id).order_by("code")
    data = burden.build(term=term, schools=schools)
    publication = BurdenPublication.objects.select_for_update().filter(
        bureau_id=term.bureau_id, term=term).first()
    created = publication is None
    publication = publication or BurdenPublication(bureau_id=term.bureau_id, term=term, version=0)
    publication.status = BurdenPublication.Status.PUBLISHED
    publication.public = bool(public)
    publication.snapshot = data
    publication.version += 1
    publication.note = str(note or "").strip()[:300]
    publication.published_by, publication.published_at = actor, timezone.now()
    publication.withdrawn_at = None
    try:
        with transaction.atomic():
            publication.save()
    except IntegrityError:
        raise Conflict("报告刚被他人公布，请刷新后重试。", "term") from None
    log_action(publication, "wellbeing.burden.published", actor=actor,
               kind="create" if created else "update",
               data={"version": publication.version, "public": publication.public})
    return publication


@transaction.atomic
def withdraw_publication(*, actor, publication):
    require(actor, "publish", publication)
    publication = BurdenPublication.objects.select_for_update().get(pk=publication.pk)
    if publication.status == BurdenPublication.Status.WITHDRAWN:
        raise Conflict("报告已经撤回。", "status")
    publication.status, publication.withdrawn_at = (BurdenPublication.Status.WITHDRAWN,
                                                    timezone.now())
    publication.save(update_fields=["status", "withdrawn_at"])
    log_action(publication, "wellbeing.burden.withdrawn", actor=actor,
               changes={"status": ["published", "withdrawn"]})
    return publication
