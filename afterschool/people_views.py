"""After-school pages for guardians, teachers and the bureau (RULES §4, QM-4).

- the hub (``index``): what each role does here today;
- guardians: apply for a child (AS-4 voluntary, AS-12 愿留尽留, AS-7 delayed care and evening
  study), see places, waitlists and fees (AS-10), withdraw, answer the end-of-term survey;
- teachers: today's sessions, the phone-sized attendance and pick-up roster, pupils not picked up;
- bureau and school admins: the QM-4 indicators per school, with a chart and an Excel export.

Each view: gate (core.access) → form → one service of ``afterschool.services`` → redirect, or
the row fragment of the same page when HTMX asks (STYLE 10).
"""

import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from afterschool import services
from afterschool.models import (
    Application,
    Attendance,
    Course,
    Enrolment,
    FeeExemption,
    Programme,
    Segment,
    Session,
    SurveyResponse,
)
from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from org.models import Pupil, Stage
from org.roles import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRAMMES = Programme.objects.select_related("school")
PUPILS = Pupil.objects.select_related("school_class", "school")
SESSIONS = Session.objects.select_related("course__programme__school", "course__instructor",
                                          "course__school_class")
LIVE = (Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED)
RANKS = ("第一志愿", "第二志愿", "第三志愿", "第四志愿", "第五志愿")


# ---- small helpers -------------------------------------------------------------------------

def _rule_text(error):
    """A refusal as one line, with its rule id when it names a rule (…（AS-7）)."""
    if error.rows:  # per-row problems of a batch: say what they are, not just how many
        text = "；".join(dict.fromkeys(r["message"] for r in error.rows))
    else:
        text = error.message
    if "-" in error.rule and error.rule not in text:
        return f"{text}（{error.rule}）"
    return text


def _posted(request):
    """The POST data to bind a form to: an empty POST is still a submission (unlike ``or``)."""
    return request.POST if request.method == "POST" else None


def _query_date(request):
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


def yuan(fen):
    """Integer fen as a 元 amount with two decimals, never through a float."""
    return f"{fen // 100}.{fen % 100:02d}"


def _programmes_url():
    """The school admin's programme pages (another module): linked by name once they exist."""
    try:
        return reverse("afterschool:programmes")
    except NoReverseMatch:
        return "/after-school/programmes/"


def _is_reporter(scope):
    return scope.has(Role.BUREAU_ADMIN, Role.INSPECTOR) or bool(scope.admin_school_ids)


def _can_follow_up(scope):
    """Who follows up pupils not picked up: head teachers (their class) and the school."""
    return scope.has(Role.HEAD_TEACHER, Role.SCHOOL_ADMIN, Role.GRADE_LEADER)


# ---- the hub -------------------------------------------------------------------------------

def _runs(teacher_id):
    return Q(course__duty_teacher_id=teacher_id) | Q(course__instructor__teacher_id=teacher_id)


def _children_cards(user):
    """Per child: the programmes of the child's school and grade, with the application state."""
    scope = user.scope
    children = list(visible(user, Pupil).filter(pk__in=scope.pupil_ids).select_related(
        "school_class", "school").order_by("name"))
    programmes = list(visible(user, Programme).filter(
        school_id__in={c.school_id for c in children}).exclude(
        status=Programme.Status.DRAFT).select_related("school"))
    apps = {(a.programme_id, a.pupil_id): a for a in visible(user, Application).filter(
        pupil_id__in=scope.pupil_ids)}
    places = {}
    for e in visible(user, Enrolment).filter(pupil_id__in=scope.pupil_ids, status__in=LIVE) \
            .select_related("course").order_by("course__kind", "course__name"):
        places.setdefault((e.course.programme_id, e.pupil_id), []).append(e)
    answered = set(visible(user, SurveyResponse).filter(pupil_id__in=scope.pupil_ids)
                   .values_list("programme_id", "pupil_id"))
    cards = []
    for child in children:
        rows = []
        for p in programmes:
            if p.school_id != child.school_id or child.school_class.grade not in p.grades:
                continue
            key = (p.pk, child.pk)
            rows.append({"programme": p, "application": apps.get(key),
                         "places": places.get(key, []), "answered": key in answered,
                         "enrolled": any(e.status == Enrolment.Status.ENROLLED
                                         for e in places.get(key, []))})
        cards.append({"pupil": child, "rows": rows})
    return cards


@login_required
def index(request):
    user = request.user
    require(user, "view", Programme)
    scope = user.scope
    today = timezone.localdate()
    ctx = {"today": today, "is_reporter": _is_reporter(scope), "is_teacher": bool(scope.teacher_id),
           "follows_up": _can_follow_up(scope)}
    if ctx["is_reporter"]:  # the school's set-up pages; read-only for the bureau
        ctx["programmes_url"] = _programmes_url()
    if scope.admin_school_ids:
        ctx["school_sessions"] = visible(user, Session).filter(
            date=today, course__programme__school_id__in=scope.admin_school_ids).aggregate(
            total=Count("pk"), delivered=Count("pk", filter=Q(status=Session.Status.DELIVERED)))
    if scope.teacher_id:
        ctx["my_sessions"] = list(visible(user, Session).filter(_runs(scope.teacher_id),
                                                                date=today)
                                  .select_related("course").order_by("start", "course__name"))
    if _can_follow_up(scope):
        ctx["unpicked_count"] = services.unpicked(visible(user, Attendance)).count()
    if scope.pupil_ids:
        ctx["children"] = _children_cards(user)
    if scope.has(*Role.ALL_STAFF):
        ctx["programmes"] = visible(user, Programme).select_related("school", "term").order_by(
            "-start", "school__name")[:20]
    return render(request, "afterschool/people/index.html", ctx)


# ---- guardians: apply, withdraw --------------------------------------------------------------

class ApplyForm(forms.Form):
    base_service = forms.BooleanField(label="参加基本课后服务（作业辅导）", required=False,
                                      initial=True)
    delayed_care = forms.BooleanField(label="申请延时托管", required=False)
    special_need = forms.CharField(label="延时托管原因", required=False, max_length=200,
                                   help_text="AS-7：延时托管面向有特殊需要的学生，请简要说明")
    evening_study = forms.BooleanField(label="参加晚自习", required=False)

    def __init__(self, *args, courses=(), lock_choices=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock_choices = lock_choices
        options = [("", "（不选）")] + [(str(c.pk), c.label) for c in courses]
        if not lock_choices:
            for i, label in enumerate(RANKS[:services.MAX_CHOICES], start=1):
                self.fields[f"choice_{i}"] = forms.ChoiceField(label=label, choices=options,
                                                               required=False)

    def choice_fields(self):
        return [self[f"choice_{i}"] for i in range(1, services.MAX_CHOICES + 1)
                if f"choice_{i}" in self.fields]

    def choices(self):
        """The chosen course ids in rank order; blanks close up (a gap is not a choice)."""
        picked = (self.cleaned_data.get(f"choice_{i}") for i in range(1, services.MAX_CHOICES + 1))
        return [int(v) for v in picked if v]


def _menu_courses(user, programme, grade):
    """Approved menu courses of the programme open to the grade, labelled for a select."""
    courses = [c for c in visible(user, Course).offered().filter(programme=programme)
               .select_related("instructor").order_by("name", "pk") if grade in c.grades]
    for c in courses:
        seats = "不限" if c.capacity is None else f"余 {c.free_seats} / {c.capacity} 人"
        fee = f"，{yuan(c.fee_per_term_fen)} 元/学期" if c.fee_per_term_fen else "，免费"
        c.label = (f"{c.name}（{c.weekday_names} {c.start:%H:%M}–{c.end:%H:%M}"
                   f"{'，' + c.place if c.place else ''}，{seats}{fee}）")
    return courses


def _choice_status(choice, live, gone, programme):
    """已录取 / 候补第 N 位 / 待抽签 … for one ranked choice."""
    enrolment = live.get(choice.course_id)
    if enrolment is not None:
        if enrolment.status == Enrolment.Status.ENROLLED:
            return "已录取", "green", enrolment
        return f"候补第 {enrolment.waitlist_position} 位", "amber", enrolment
    if choice.course_id in gone:
        return "已退出", "", None
    if programme.status == Programme.Status.OPEN:
        return "待抽签", "", None
    return "未录取", "red", None


def _application_state(user, programme, pupil, application):
    """Places, ranked choices with their state, and what the family pays (AS-10)."""
    if application is None:
        return None
    enrolments = list(visible(user, Enrolment).filter(pupil=pupil, course__programme=programme)
                      .select_related("course").order_by("-changed_at", "-pk"))
    live = {e.course_id: e for e in enrolments if e.status in LIVE}
    gone = {e.course_id for e in enrolments if e.status == Enrolment.Status.WITHDRAWN}
    choices = []
    for choice in application.choices.select_related("course").order_by("rank"):
        label, colour, enrolment = _choice_status(choice, live, gone, programme)
        choices.append({"rank": RANKS[choice.rank - 1] if choice.rank <= len(RANKS)
                        else f"第{choice.rank}志愿", "course": choice.course,
                        "status": label, "colour": colour, "enrolment": enrolment})
    groups = [e for e in live.values() if e.course.kind != Segment.MENU]
    enrolled = [e for e in live.values() if e.status == Enrolment.Status.ENROLLED]
    items = []
    if any(e.course.kind == Segment.GUIDANCE for e in enrolled) and programme.fee_per_term_fen:
        items.append(("基本服务费", programme.fee_per_term_fen))
    items += [(e.course.name, e.course.fee_per_term_fen) for e in enrolled
              if e.course.fee_per_term_fen]
    exemption = visible(user, FeeExemption).filter(programme=programme, pupil=pupil).first()
    gross = sum(fen for _, fen in items)
    return {
        "application": application, "choices": choices,
        "groups": sorted(groups, key=lambda e: e.course.kind),
        "base_enrolled": any(e.course.kind == Segment.GUIDANCE for e in enrolled),
        "fee_items": [(name, yuan(fen)) for name, fen in items], "exemption": exemption,
        "fee_total": yuan(0 if exemption else gross), "fee_gross": yuan(gross),
    }


def _offers(programme, grade):
    """The kinds of group the programme runs for the grade (delayed care, evening study)."""
    return {c.kind for c in programme.courses.filter(
        kind__in=[Segment.DELAYED_CARE, Segment.EVENING_STUDY]) if grade in c.grades}


@login_required
def apply(request, programme_pk, pupil_pk):
    require(request.user, "create", Application)
    pupil = get_for(request.user, Pupil, pupil_pk, queryset=PUPILS)
    programme = get_for(request.user, Programme, programme_pk, queryset=PROGRAMMES)
    if programme.school_id != pupil.school_id:
        raise Http404  # another school's programme is nothing to this child
    grade = pupil.school_class.grade
    application = visible(request.user, Application).filter(programme=programme,
                                                            pupil=pupil).first()
    active = application is not None and application.status == Application.Status.ACTIVE
    # After publication the ranked choices stand (the service refuses changes): show, keep.
    lock = active and programme.status == Programme.Status.PUBLISHED
    old_choices = list(application.choices.order_by("rank").values_list("course_id", flat=True)
                       ) if application else []
    initial = {"base_service": True}
    if active:
        initial = {"base_service": application.base_service,
                   "delayed_care": application.delayed_care,
                   "special_need": application.special_need,
                   "evening_study": application.evening_study,
                   **{f"choice_{i}": str(c) for i, c in enumerate(old_choices, start=1)}}
    courses = _menu_courses(request.user, programme, grade)
    form = ApplyForm(_posted(request), initial=initial, lock_choices=lock, courses=courses)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.apply(actor=request.user, programme=programme, pupil=pupil,
                           base_service=data["base_service"],
                           choices=old_choices if lock else form.choices(),
                           delayed_care=data["delayed_care"], special_need=data["special_need"],
                           evening_study=data["evening_study"])
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已提交{pupil.name}的课后服务报名。")
            return redirect("afterschool:apply", programme.pk, pupil.pk)
    return render(request, "afterschool/people/apply.html", {
        "form": form, "programme": programme, "pupil": pupil, "lock": lock,
        "state": _application_state(request.user, programme, pupil, application),
        "junior": programme.school.stage_of_grade(grade) == Stage.JUNIOR,
        "offers": _offers(programme, grade), "base_fee": yuan(programme.fee_per_term_fen),
        "has_courses": bool(courses),
        "max_courses": programme.max_courses})


@login_required
@require_POST
def withdraw_enrolment(request, pk):
    enrolment = get_for(request.user, Enrolment, pk, "withdraw",
                        queryset=Enrolment.objects.select_related("course"))
    try:
        services.withdraw_enrolment(actor=request.user, enrolment=enrolment)
    except RuleViolation as e:
        messages.error(request, _rule_text(e))
    else:
        messages.success(request, f"已退出“{enrolment.course.name}”，名额将由候补同学递补。")
    return redirect("afterschool:apply", enrolment.course.programme_id, enrolment.pupil_id)


@login_required
@require_POST
def withdraw_application(request, pk):
    application = get_for(request.user, Application, pk, "change")
    try:
        services.withdraw_application(actor=request.user, application=application)
    except RuleViolation as e:
        messages.error(request, _rule_text(e))
    else:
        messages.success(request, "已撤回报名，孩子不再参加本方案的课后服务。需要时可以重新报名。")
    return redirect("afterschool:apply", application.programme_id, application.pupil_id)


# ---- guardians: the end-of-term survey (QM-4) ------------------------------------------------

SCALE = [(i, str(i)) for i in range(5, 0, -1)]


class SurveyForm(forms.Form):
    liking = forms.TypedChoiceField(label="孩子对课后服务的喜爱程度", choices=SCALE, coerce=int,
                                    widget=forms.RadioSelect,
                                    help_text="5 非常喜欢 … 1 很不喜欢（请问问孩子）")
    satisfaction = forms.TypedChoiceField(label="您对学校课后服务的满意程度", choices=SCALE,
                                          coerce=int, widget=forms.RadioSelect,
                                          help_text="5 非常满意 … 1 很不满意")
    comment = forms.CharField(label="意见和建议（选填）", required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}))


@login_required
def survey(request, programme_pk, pupil_pk):
    require(request.user, "create", SurveyResponse)
    pupil = get_for(request.user, Pupil, pupil_pk, queryset=PUPILS)
    programme = get_for(request.user, Programme, programme_pk, queryset=PROGRAMMES)
    if programme.school_id != pupil.school_id:
        raise Http404
    answer = visible(request.user, SurveyResponse).filter(programme=programme,
                                                          pupil=pupil).first()
    initial = {"liking": answer.liking, "satisfaction": answer.satisfaction,
               "comment": answer.comment} if answer else None
    form = SurveyForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_survey(actor=request.user, programme=programme, pupil=pupil,
                                   **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, "谢谢您的评价！结果只做汇总统计，用于改进课后服务。")
            return redirect("afterschool:index")
    enrolled = visible(request.user, Enrolment).filter(
        pupil=pupil, course__programme=programme, status=Enrolment.Status.ENROLLED).exists()
    return render(request, "afterschool/people/survey.html", {
        "form": form, "programme": programme, "pupil": pupil, "answer": answer,
        "enrolled": enrolled})


# ---- teachers: sessions, attendance and pick-up ----------------------------------------------

@login_required
def sessions(request):
    require(request.user, "view", Session)
    date = _query_date(request)
    qs = (visible(request.user, Session).filter(date=date)
          .select_related("course__programme__school", "course__school_class")
          .annotate(marked=Count("attendance", distinct=True))
          .order_by("start", "course__programme__school__name", "course__kind", "course__name",
                    "pk"))
    scope = request.user.scope
    for_me = request.GET.get("mine") == "1" and scope.teacher_id
    if for_me:
        qs = qs.filter(_runs(scope.teacher_id))
    page = paginate(request, qs)
    return render(request, "afterschool/people/sessions.html", {
        "page": page, "date": date, "previous": date - dt.timedelta(days=1),
        "next": date + dt.timedelta(days=1), "today": timezone.localdate(),
        "mine": bool(for_me), "is_teacher": bool(scope.teacher_id)})


class Row:
    """One pupil of the roster and their mark (if any)."""

    def __init__(self, pupil, attendance=None):
        self.pupil, self.attendance = pupil, attendance

    @property
    def mark(self):
        return self.attendance.mark if self.attendance else ""


def _roster(user, session):
    """The roster through the gate: pupils enrolled in the course now, and anyone marked."""
    marks = {a.pupil_id: a for a in visible(user, Attendance).filter(session=session)
             .select_related("pupil__school_class")}
    pupils = {e.pupil_id: e.pupil for e in visible(user, Enrolment).filter(
        course_id=session.course_id, status=Enrolment.Status.ENROLLED).select_related(
        "pupil__school_class")}
    for pupil_id, attendance in marks.items():
        pupils.setdefault(pupil_id, attendance.pupil)
    rows = [Row(p, marks.get(p.pk)) for p in pupils.values()]
    rows.sort(key=lambda r: (r.pupil.school_class.grade, r.pupil.school_class.number,
                             r.pupil.name, r.pupil.pk))
    return rows


def _summary(rows):
    counts = {mark: 0 for mark in Attendance.Mark.values}
    for row in rows:
        if row.mark:
            counts[row.mark] += 1
    picked = sum(1 for r in rows if r.attendance and r.attendance.pickup)
    return {"total": len(rows), "marked": sum(counts.values()), "present": counts["present"],
            "absent": counts["absent"], "leave": counts["leave"], "picked": picked}


def _session_context(session, rows, **extra):
    return {"session": session, "rows": rows, "summary": _summary(rows),
            "marks": Attendance.Mark.choices, "pickups": Attendance.Pickup.choices,
            "future": session.date > timezone.localdate(), **extra}


def _save_row(request, session):
    try:
        pupil_id = int(request.POST.get("pupil", ""))
    except ValueError:
        raise Http404 from None
    rows = _roster(request.user, session)
    row = next((r for r in rows if r.pupil.pk == pupil_id), None)
    if row is None:  # not in this session's roster: nothing to show or save
        raise Http404
    mark = request.POST.get("mark", "")
    present = mark == Attendance.Mark.PRESENT
    pickup = request.POST.get("pickup", "") if present else ""
    person = request.POST.get("picked_up_by", "").strip() if present else ""
    saved = row.attendance
    if saved and saved.pickup and (pickup, person) == (saved.pickup, saved.picked_up_by):
        # The row's form sends the recorded pick-up back with every tap; sent unchanged it is
        # left out, so that the service keeps the time it was recorded at.
        pickup = person = ""
    record = {"pupil": pupil_id, "mark": mark, "note": request.POST.get("note", ""),
              # A pick-up belongs to a present pupil only; the other marks clear it.
              "pickup": pickup, "picked_up_by": person}
    error = None
    try:
        services.record_attendance(actor=request.user, session=session, records=[record])
    except RuleViolation as e:
        error = _rule_text(e)
    if not request.htmx:
        if error:
            messages.error(request, f"{row.pupil.name}：{error}")
        return redirect("afterschool:session", session.pk)
    session.refresh_from_db(fields=["status"])
    rows = _roster(request.user, session)
    row = next(r for r in rows if r.pupil.pk == pupil_id)
    return render(request, "afterschool/people/session_row.html", _session_context(
        session, rows, row=row, row_error=error, posted=record if error else None))


def _all_present(request, session):
    rows = _roster(request.user, session)
    records = [{"pupil": r.pupil.pk, "mark": Attendance.Mark.PRESENT} for r in rows
               if not r.attendance]
    error = notice = None
    if not records:
        notice = "名单上的学生都已点名。"
    else:
        try:
            services.record_attendance(actor=request.user, session=session, records=records)
        except RuleViolation as e:
            error = _rule_text(e)
        else:
            notice = f"已将 {len(records)} 名学生标记为出勤（已标记缺勤、请假的不变）。"
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect("afterschool:session", session.pk)
    session.refresh_from_db(fields=["status"])
    return render(request, "afterschool/people/session.html#roster", _session_context(
        session, _roster(request.user, session), error=error, notice=notice))


@login_required
def session(request, pk):
    """The roster of one session on a phone: marks and pick-ups saved row by row (HTMX)."""
    session = get_for(request.user, Session, pk, "attend", queryset=SESSIONS)
    if request.method == "POST":
        if "all_present" in request.POST:
            return _all_present(request, session)
        return _save_row(request, session)
    return render(request, "afterschool/people/session.html",
                  _session_context(session, _roster(request.user, session)))


@login_required
def unpicked(request):
    scope = request.user.scope
    if not _can_follow_up(scope):
        raise PermissionDenied("只有班主任和学校管理员跟进未接走的学生。")
    rows = services.unpicked(visible(request.user, Attendance))
    page = paginate(request, rows)
    for a in page:
        a.can_attend = can(request.user, "attend", a.session)
    return render(request, "afterschool/people/unpicked.html", {"page": page})


# ---- participation and satisfaction (QM-4) ---------------------------------------------------

def _report_programmes(request):
    """Programmes the user reports on (bureau staff: their district; school admins: their
    school), the term options and the chosen term (the current one by default)."""
    require(request.user, "report", Programme)
    scope = request.user.scope
    qs = visible(request.user, Programme).filter(
        Q(school_id__in=scope.admin_school_ids)
        | Q(school__bureau_id__in=scope.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR)))
    terms = {}
    for p in qs.select_related("term").order_by("-term__start"):
        terms.setdefault(p.term_id, p.term)
    terms = list(terms.values())
    today = timezone.localdate()
    chosen = next((t for t in terms if str(t.pk) == request.GET.get("term")), None)
    chosen = chosen or next((t for t in terms if t.start <= today <= t.end), None) or (
        terms[0] if terms else None)
    programmes = qs.filter(term=chosen).select_related("school").order_by(
        "school__name", "kind", "pk") if chosen else qs.none()
    return programmes, terms, chosen


def _share(part, whole):
    return round(part / whole, 4) if whole else None


def _totals(rows):
    pupils, enrolled = sum(r["pupils"] for r in rows), sum(r["enrolled"] for r in rows)
    teachers = sum(r["teachers"] for r in rows)
    running = sum(r["teachers_running"] for r in rows)
    answered = [r for r in rows if r["responses"]]
    n = sum(r["responses"] for r in answered)

    def mean(key):
        return round(sum(r[key] * r["responses"] for r in answered) / n, 2) if n else None

    satisfied = sum(round(r["satisfied_share"] * r["responses"]) for r in answered)
    return {"pupils": pupils, "enrolled": enrolled, "participation": _share(enrolled, pupils),
            "menu_enrolled": sum(r["menu_enrolled"] for r in rows), "teachers": teachers,
            "teachers_running": running, "teacher_participation": _share(running, teachers),
            "responses": n, "liking": mean("liking"), "satisfaction": mean("satisfaction"),
            "satisfied_share": _share(satisfied, n)}


def _label(row, several):
    p = row["programme"]
    return f"{row['school'].name}（{p.get_kind_display()}）" if several else row["school"].name


def _pct(value):
    return None if value is None else round(value * 100, 1)


def _participation_rows(programmes):
    rows = services.participation(programmes)
    per_school = {}
    for r in rows:
        per_school[r["school"].pk] = per_school.get(r["school"].pk, 0) + 1
    for r in rows:
        r["label"] = _label(r, per_school[r["school"].pk] > 1)
    return rows


def _charts(rows):
    names = [r["label"] for r in rows]
    return {
        "rates": {"x": names, "percent": True, "series": [
            {"name": "学生参与率（%）", "data": [_pct(r["participation"]) for r in rows]},
            {"name": "教师参与率（%）", "data": [_pct(r["teacher_participation"]) for r in rows]},
            {"name": "家长满意占比（%）", "data": [_pct(r["satisfied_share"]) for r in rows]}]},
        "scores": {"x": names, "series": [
            {"name": "学生喜爱度（1–5）", "data": [r["liking"] for r in rows]},
            {"name": "家长满意度（1–5）", "data": [r["satisfaction"] for r in rows]}]},
    }


@login_required
def participation(request):
    programmes, terms, term = _report_programmes(request)
    rows = _participation_rows(programmes)
    return render(request, "afterschool/people/participation.html", {
        "rows": rows, "totals": _totals(rows) if rows else None, "terms": terms, "term": term,
        "charts": _charts(rows)})


HEADER = ["学校", "方案", "服务年级学生数", "参加人数", "参与率", "参加菜单课程人数", "教职工数",
          "承担课后服务的教师", "教师参与率", "问卷数", "学生喜爱度（1–5）", "家长满意度（1–5）",
          "满意（4–5分）占比"]


def _cells(r):
    return [r["pupils"], r["enrolled"], r["participation"], r["menu_enrolled"], r["teachers"],
            r["teachers_running"], r["teacher_participation"], r["responses"], r["liking"],
            r["satisfaction"], r["satisfied_share"]]


@login_required
def participation_export(request):
    programmes, _, term = _report_programmes(request)
    rows = _participation_rows(programmes)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("QM-4 指标")
    sheet.append([f"课后服务参与率与满意度（QM-4）{'· ' + term.school_year + term.name if term else ''}"])
    sheet.append(HEADER)
    for r in rows:
        sheet.append([r["school"].name, r["programme"].name, *_cells(r)])
    if rows:
        sheet.append(["合计", "", *_cells(_totals(rows))])
    notes = book.create_sheet("指标说明")
    for line in (
            ["参与率", "参加基本服务或任一课程的学生数 ÷ 方案服务年级的学生数（AS-12 有需要的学生全覆盖）"],
            ["教师参与率", "担任授课或负责教师的本校教师数 ÷ 本校教职工数（QM-4 教师参与度）"],
            ["学生喜爱度、家长满意度", "家长期末问卷的均值，1–5 分；只做汇总，不公开个人答卷"],
            ["满意占比", "家长满意度为 4 或 5 分的问卷占比"],
            ["比例", "以小数表示，如 0.9825 即 98.25%"]):
        notes.append(line)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    name = f"after-school-participation-{term.pk if term else 'none'}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


urlpatterns = [
    path("", index, name="index"),
    path("apply/<int:programme_pk>/child/<int:pupil_pk>/", apply, name="apply"),
    path("enrolments/<int:pk>/withdraw/", withdraw_enrolment, name="withdraw-enrolment"),
    path("applications/<int:pk>/withdraw/", withdraw_application, name="withdraw-application"),
    path("survey/<int:programme_pk>/child/<int:pupil_pk>/", survey, name="survey"),
    path("sessions/", sessions, name="sessions"),
    path("sessions/<int:pk>/", session, name="session"),
    path("unpicked/", unpicked, name="unpicked"),
    path("participation/", participation, name="participation"),
    path("participation/export/", participation_export, name="participation-export"),
]
