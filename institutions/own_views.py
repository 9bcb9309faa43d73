"""Institution pages of an institution's own staff, the application form and the public
lookup.

Each view: gate (core.access) → form → one service of institutions.services → redirect. The
"mine" pages are for the institution's own staff: another institution is outside their scope and
looks missing (404); users without the institution-staff role are refused (403), supervision
staff included (they have their own pages). Nothing the supervision section keeps about the
institution's staff (TT-2 teacher matches) reaches these pages.

The public pages need no login and show only what the rules make public: licence class, lists,
enrolment suspension, published fees (TP-5) and teaching staff's qualifications (TT-5).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.codes import CODES
from core.access import get_for, visible
from core.errors import Forbidden, RuleViolation, add_to_form
from core.paging import paginate
from institutions import services
from institutions.models import (
    Card,
    GuidePrice,
    Institution,
    InstitutionVersion,
    ListEntry,
    ScheduleFlag,
    Staff,
    TrainingCourse,
    TrainingSession,
)
from institutions.own_forms import (
    GRADE_LABELS,
    SUBJECT_LABELS,
    ApplicationForm,
    ContactForm,
    CourseForm,
    SessionForm,
    StaffForm,
    yuan,
)
from org.roles import Role
from policy.services import Policy

MINE = Institution.objects.select_related("bureau__parent")  # Policy walks the bureau chain

# A plain explanation next to the rule id when an application is refused.
WHY_REFUSED = {
    "TI-1": "自 2021 年起，各地不再审批新的面向义务教育阶段学生的学科类校外培训机构。"
            "可以申请体育、艺术、科技、综合实践等非学科类培训机构。",
    "TI-3": "各地不再审批新的面向学龄前儿童的校外培训机构，也不再审批新的面向普通高中学生的"
            "学科类校外培训机构。",
    "TI-4": "不得面向学龄前儿童开展线上培训，也不得以学前班、幼小衔接班、思维训练班等名义"
            "开展线下学科类（含外语）培训。",
}
# Ledger keys that are not fields of the institution.
LEDGER_LABELS = {"staff": "从业人员", "course": "课程", "card": "红黄牌", "list": "名单",
                 "annual_review": "年检"}


def _staff_only(user, message="只有培训机构人员可以使用本机构的页面。"):
    # Only institution staff have institutions of their own; everyone else is refused.
    if not user.scope.has(Role.INSTITUTION_STAFF):
        raise PermissionDenied(message)


def _own(request, pk, action="view"):
    """The user's own institution ``pk``: 404 when outside their scope, 403 when not theirs."""
    _staff_only(request.user)
    institution = get_for(request.user, Institution, pk, action, queryset=MINE)
    # Visible through a supervision role too, but these are the institution's own pages.
    if institution.pk not in request.user.scope.institution_ids:
        raise PermissionDenied("这些页面只供本机构人员使用。")
    return institution


def _refuse_forbidden(error):
    """A service's "visible, but not yours to do" is the 403 page, as the API answers 403."""
    if isinstance(error, Forbidden):
        raise PermissionDenied(error.message) from None


def _show(form, error, rename=None):
    """A refusal on the form: on its field (``rename`` maps service field names to the form's),
    and every problem of a multi-problem refusal (``RuleViolation.rows``) on its own line."""
    _refuse_forbidden(error)
    if error.rows:
        for row in error.rows:
            form.add_error(None, f"{row['message']}（{row['rule']}）")
        return
    error.field = (rename or {}).get(error.field, error.field)
    add_to_form(form, error)


# ---- the institution's record ----------------------------------------------------------------


def _field_label(key):
    try:
        return Institution._meta.get_field(key).verbose_name
    except (FieldDoesNotExist, AttributeError):  # not a field of the record (or a relation)
        return key


def _shown(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _ledger_rows(versions):
    for v in versions:
        changes = []
        for key, pair in (v.changes or {}).items():
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            label = LEDGER_LABELS.get(key) or _field_label(key)
            changes.append({"label": label, "old": _shown(old), "new": _shown(new)})
        yield {"version": v, "event": CODES.get(f"institutions.{v.event}", v.event),
               "changes": changes}


def _panel(request, institution, form=None):
    """Everything the record page shows about one of the user's institutions."""
    user = request.user
    initial = {f: getattr(institution, f) for f in services.SELF_SERVICE_FIELDS}
    versions = (visible(user, InstitutionVersion).filter(institution=institution)
                .select_related("changed_by").order_by("-version")[:50])
    return {
        "institution": institution,
        "form": form or ContactForm(initial=initial, auto_id=f"c{institution.pk}_%s"),
        "cards": visible(user, Card).filter(institution=institution).active()
                 .order_by("-issued_at", "-pk"),
        "lists": visible(user, ListEntry).filter(institution=institution).current()
                 .order_by("-added_at", "-pk"),
        "expiring": services.expiring([institution]),
        "ledger": list(_ledger_rows(versions)),
    }


def _mine_page(request, bound=None):
    """The record page of every institution of the user; ``bound``: (institution, form) of a
    contact form that was refused."""
    _staff_only(request.user)
    institutions = (visible(request.user, Institution)
                    .filter(pk__in=request.user.scope.institution_ids)
                    .select_related("bureau__parent").order_by("name", "pk"))
    panels = [_panel(request, inst, bound[1] if bound and bound[0].pk == inst.pk else None)
              for inst in institutions]
    return render(request, "institutions/own/mine.html", {"panels": panels})


@login_required
def mine(request):
    return _mine_page(request)


@login_required
@require_POST
def mine_contact(request, pk):
    institution = _own(request, pk, "change")
    form = ContactForm(request.POST, auto_id=f"c{institution.pk}_%s")
    # Registry fields the form does not offer go to the service too, so that a forged request
    # to change the name or a licence is refused (403) by the same rule as the API, not dropped.
    forged = {k: request.POST[k] for k in services.REGISTRY_FIELDS
              if k in request.POST and k not in form.fields}
    if form.is_valid():
        try:
            services.change_institution(actor=request.user, institution=institution,
                                        reason=form.cleaned_data["reason"],
                                        **form.service_data(), **forged)
        except RuleViolation as e:
            _show(form, e)
        else:
            messages.success(request, f"已保存“{institution.name}”的联系方式（记入动态管理台账）。")
            return redirect("institutions:mine")
    return _mine_page(request, bound=(institution, form))


# ---- staff (TT) ------------------------------------------------------------------------------


def _staff_page(request, institution, form):
    staff = visible(request.user, Staff).filter(institution=institution)
    full, total = services.fulltime_share(institution)
    minimum = int(Policy(institution.bureau)["tt.min_fulltime_percent"])
    page = paginate(request, staff.current().order_by("name", "pk"))
    page.object_list = list(page.object_list)
    for s in page.object_list:
        s.subject_names = "、".join(SUBJECT_LABELS.get(code, code) for code in s.subjects)
    return render(request, "institutions/own/staff.html", {
        "institution": institution, "form": form, "page": page,
        "former": staff.filter(left_on__isnull=False).order_by("-left_on", "name")[:50],
        "share": {"full": full, "total": total, "minimum": minimum,
                  "percent": round(full * 100 / total) if total else None,
                  "short": bool(total) and full * 100 < total * minimum},
    })


@login_required
def mine_staff(request, pk):
    institution = _own(request, pk, "staff")
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff = services.add_staff(actor=request.user, institution=institution,
                                       **form.cleaned_data)
        except RuleViolation as e:
            _show(form, e)
        else:
            # The same answer whoever the person is: a teacher match (TT-2) is not hinted at.
            messages.success(request, f"已登记从业人员“{staff.name}”（{staff.id_masked}）。")
            return redirect("institutions:mine-staff", institution.pk)
    return _staff_page(request, institution, form)


@login_required
@require_POST
def mine_staff_left(request, pk, staff_pk):
    institution = _own(request, pk, "staff")
    staff = get_for(request.user, Staff, staff_pk, "change",
                    queryset=Staff.objects.filter(institution=institution)
                    .select_related("institution"))
    try:
        services.staff_left(actor=request.user, staff=staff)
    except RuleViolation as e:
        _refuse_forbidden(e)
        messages.error(request, e.message)
    else:
        messages.success(request, f"已登记“{staff.name}”离职。")
    return redirect("institutions:mine-staff", institution.pk)


# ---- courses and fees (TP) -------------------------------------------------------------------


def _guide_rows(institution):
    """The guide prices that bind the institution's subject-type courses (TP-1..TP-3)."""
    if not institution.subject_type:
        return [], None
    up = int(Policy(institution.bureau)["tp.max_up_percent"])
    rows = []
    for mode, mode_label in Institution.Mode.choices:
        for band, band_label in GuidePrice.Band.choices:
            price = services.guide_price(institution.bureau, mode, band)
            rows.append({"mode": mode_label, "band": band_label,
                         "minutes": services.STANDARD_MINUTES[mode],
                         "base": yuan(price.base_price_fen) if price else None,
                         "ceiling": yuan(price.base_price_fen * (100 + up) // 100)
                         if price else None})
    return rows, up


@login_required
def mine_courses(request, pk):
    institution = _own(request, pk, "schedule")
    form = CourseForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.add_course(actor=request.user, institution=institution,
                                         **form.service_data())
        except RuleViolation as e:
            _show(form, e, rename={"price_per_lesson_fen": "price"})
        else:
            messages.success(request, f"已新增并公示课程“{course.name}”。")
            return redirect("institutions:mine-courses", institution.pk)
    courses = visible(request.user, TrainingCourse).filter(institution=institution)
    rows = [{"course": c, "price": yuan(c.price_per_lesson_fen),
             "total": yuan(c.price_per_lesson_fen * c.lessons),
             "subject": SUBJECT_LABELS.get(c.subject, c.subject),
             "grades": "、".join(GRADE_LABELS.get(g, str(g)) for g in c.grades)}
            for c in courses.order_by("name", "pk")]
    guide, up = _guide_rows(institution)
    return render(request, "institutions/own/courses.html", {
        "institution": institution, "form": form, "rows": rows, "guide": guide, "up": up,
        "approved": institution.status == Institution.Status.APPROVED})


# ---- the schedule (TS) -----------------------------------------------------------------------


@login_required
def mine_sessions(request, pk):
    institution = _own(request, pk, "schedule")
    courses = visible(request.user, TrainingCourse).filter(institution=institution).order_by(
        "name", "pk")
    form = SessionForm(request.POST or None, courses=courses)
    if request.method == "POST" and form.is_valid():
        start, end = form.span()
        try:
            session = services.schedule_session(actor=request.user, institution=institution,
                                                course=form.cleaned_data["course"],
                                                start=start, end=end)
        except RuleViolation as e:
            _show(form, e)
        else:
            messages.success(request, f"已排课：{session.course.name} "
                                      f"{timezone.localtime(session.start):%Y-%m-%d %H:%M}。")
            return redirect("institutions:mine-sessions", institution.pk)
    today = timezone.localdate()
    flags = visible(request.user, ScheduleFlag).filter(resolved=False).order_by("rule")
    sessions = (visible(request.user, TrainingSession)
                .filter(course__institution=institution, start__date__gte=today)
                .select_related("course").prefetch_related(Prefetch("flags", queryset=flags))
                .order_by("start", "pk"))
    return render(request, "institutions/own/sessions.html", {
        "institution": institution, "form": form, "page": paginate(request, sessions),
        "today": today, "has_courses": courses.exists()})


# ---- applying for a new institution (TI-1, TI-3, TI-4) ---------------------------------------


@login_required
def apply(request):
    # Applicant accounts are institution-staff accounts the bureau opens; the service makes the
    # applicant staff of the new institution.
    _staff_only(request.user, "申请设立培训机构须使用教育局开通的培训机构人员账号。")
    institutions = visible(request.user, Institution).filter(
        pk__in=request.user.scope.institution_ids).select_related("bureau")
    bureaus = {i.bureau_id: i.bureau for i in institutions.order_by("bureau_id")}
    form = ApplicationForm(request.POST or None, bureaus=bureaus)
    why = None
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.register_institution(actor=request.user, found=False,
                                                         **form.service_data())
        except RuleViolation as e:
            _show(form, e)
            why = WHY_REFUSED.get(e.rule)
        else:
            messages.success(request, f"已提交“{institution.name}”的设立申请，请等待教育局审批。")
            return redirect("institutions:mine")
    return render(request, "institutions/own/apply.html", {"form": form, "why": why})


# ---- the public lookup (no login) ------------------------------------------------------------


def _public_lists():
    """Current white and black list entries: the lists the bureau publishes (TI-13)."""
    return Prefetch("list_entries", to_attr="public_lists", queryset=ListEntry.objects.current()
                    .filter(kind__in=[ListEntry.Kind.WHITE, ListEntry.Kind.BLACK]))


def public_search(request):
    q = request.GET.get("q", "")[:100].strip()
    found = services.public_search(q).prefetch_related(_public_lists())
    return render(request, "institutions/public/search.html", {
        "q": q, "page": paginate(request, found, per_page=20)})


def public_detail(request):
    raw = request.GET.get("id")
    if not raw:  # nothing picked yet: point to the search
        return render(request, "institutions/public/detail.html", {"institution": None})
    try:
        pk = int(raw)
    except ValueError:
        raise Http404 from None
    if not 0 < pk < 2**31:
        raise Http404
    institution = (Institution.objects.public().select_related("bureau")
                   .prefetch_related(_public_lists()).filter(pk=pk).first())
    if institution is None:  # applications and refused ones are not public
        raise Http404
    courses = [{"course": c, "price": yuan(c.price_per_lesson_fen),
                "total": yuan(c.price_per_lesson_fen * c.lessons),
                "subject": SUBJECT_LABELS.get(c.subject, c.subject),
                "grades": "、".join(GRADE_LABELS.get(g, str(g)) for g in c.grades)}
               for c in TrainingCourse.objects.published().filter(institution=institution)
               .order_by("name", "pk")]
    # Only the qualification fields leave the database: never ID numbers or anything private.
    teachers = list(Staff.objects.current().filter(institution=institution)
                    .exclude(kind=Staff.Kind.OTHER).order_by("name", "pk")
                    .values("name", "kind", "subjects", "teacher_certificate_no",
                            "other_certificate"))
    kinds = dict(Staff.Kind.choices)
    for t in teachers:
        t["kind"] = kinds.get(t["kind"], t["kind"])
        t["subjects"] = "、".join(SUBJECT_LABELS.get(s, s) for s in t["subjects"])
    return render(request, "institutions/public/detail.html", {
        "institution": institution, "courses": courses, "teachers": teachers,
        "category": SUBJECT_LABELS.get(institution.category, "")})


urlpatterns = [
    path("mine/", mine, name="mine"),
    path("mine/<int:pk>/contact/", mine_contact, name="mine-contact"),
    path("mine/<int:pk>/staff/", mine_staff, name="mine-staff"),
    path("mine/<int:pk>/staff/<int:staff_pk>/left/", mine_staff_left, name="mine-staff-left"),
    path("mine/<int:pk>/courses/", mine_courses, name="mine-courses"),
    path("mine/<int:pk>/sessions/", mine_sessions, name="mine-sessions"),
    path("apply/", apply, name="apply"),
]

# The detail takes ?id= rather than a path parameter: the gate test opens every public page by
# name without arguments, and without one the page points to the search.
public_urlpatterns = [
    path("", public_search, name="search"),
    path("detail/", public_detail, name="detail"),
]
