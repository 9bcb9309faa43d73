"""Funds pages of guardians (/funds/mine/…) and institutions (/funds/institution/…).

- guardians: per child the contracts, the value still held in custody, lessons to confirm (一课一消,
  PF-5), refunds of undelivered lessons (PF-13); browsing published courses and signing
  (PF-6, PF-7, TP-1, TP-5, TP-6, TI-13 refuse with their ids);
- institution staff: the account summary (PF-10, PF-14), sales, recording delivered lessons,
  pending confirmations, this month's releases and an Excel export.

Each view: gate (core.access) → form → one service of ``funds.services`` → redirect, or the row
fragment of the same page when HTMX asks (STYLE 10). Guardian pages refuse everyone who is not a
guardian (403) and another family's contract looks missing (404); the institution pages are the
institution's own staff's only. Audit entries are written by the services.
"""

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from core.access import get_for, require, visible
from core.errors import Forbidden, RuleViolation, add_to_form
from core.paging import paginate
from funds import services
from funds.forms import GuardianSignForm
from funds.models import Contract, Lesson, Posting, SupervisedAccount
from institutions.models import NON_SUBJECT_CATEGORIES, Institution, TrainingCourse
from institutions.own_forms import SUBJECT_LABELS, yuan
from org.models import Pupil
from org.roles import Role
from policy.params import PARAMS
from policy.services import Policy

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTRACTS = Contract.objects.select_related("institution__funds_account",
                                            "institution__bureau__parent__parent", "course",
                                            "pupil")
LESSONS = Lesson.objects.select_related("contract__course",
                                        "contract__institution__bureau__parent__parent")
LESSON_ROW = ("contract__course", "contract__pupil", "contract__institution__bureau__parent__parent")
# Search categories of the course list: subject-type, or a non-subject category (TI-5).
CATEGORIES = [("subject", "学科类"), *NON_SUBJECT_CATEGORIES.items()]


# ---- small helpers -------------------------------------------------------------------------

def _rule_text(error):
    """A refusal as one line, with its rule id when it names a rule (…（PF-13））."""
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _refuse_forbidden(error):
    """A service's "visible, but not yours to do" is the 403 page, as the API answers 403."""
    if isinstance(error, Forbidden):
        raise PermissionDenied(error.message) from None


def _guardian_only(user):
    # These pages are the family's: staff of any kind (who may see contracts) are refused.
    if not user.scope.has(Role.GUARDIAN):
        raise PermissionDenied("只有学生家长可以使用本页面。")


class Windows(dict):
    """Auto-confirmation windows by bureau id: the district's ``pf.auto_confirm_days`` (PF-5),
    read once per bureau and request."""

    def of(self, bureau):
        if bureau.pk not in self:
            self[bureau.pk] = int(Policy(bureau)["pf.auto_confirm_days"])
        return self[bureau.pk]


def _limits(children):
    """The district's PF-5/PF-6/TP-6 figures for the explanations (the first child's district:
    the one its institutions are in; national defaults without children)."""
    policy = Policy(children[0].school.bureau) if children else None
    value = (lambda key: policy[key]) if policy else (lambda key: PARAMS[key].default)
    return {"max_lessons": value("pf.max_lessons"), "max_months": value("pf.max_months"),
            "non_subject_max": value("tp.non_subject_max_single_charge"),
            "days": value("pf.auto_confirm_days")}


def _decorate(lesson, windows):
    """A lesson row: its price and the day it is released without the guardian (PF-5, the
    institution's district decides, as ``services.auto_confirm`` does)."""
    days = windows.of(lesson.contract.institution.bureau)
    lesson.auto_on = timezone.localdate(lesson.delivered_at) + dt.timedelta(days=days)
    lesson.price = yuan(lesson.contract.price_per_lesson_fen)
    return lesson


def _held_fen(contract):
    """What custody still holds for the family: every paid lesson neither released nor
    refunded (``services.check_invariants`` proves the ledger agrees)."""
    return contract.unreleased_fen if contract.paid_at else 0


def _money(contract):
    """Yuan amounts of a contract for the templates (integer fen in the database)."""
    contract.price = yuan(contract.price_per_lesson_fen)
    contract.total = yuan(contract.total_fen)
    contract.held = yuan(_held_fen(contract))
    return contract


def _course_category(course):
    if course.subject_type:
        return f"学科类 · {SUBJECT_LABELS.get(course.subject, course.subject)}"
    return SUBJECT_LABELS.get(course.subject, course.subject)


# ---- guardians: the overview ---------------------------------------------------------------

def _children(user):
    return list(visible(user, Pupil).filter(pk__in=user.scope.pupil_ids)
                .select_related("school__bureau__parent__parent", "school_class")
                .order_by("name", "pk"))


@login_required
def mine(request):
    user = request.user
    _guardian_only(user)
    children = _children(user)
    contracts = visible(user, Contract).filter(pupil__in=children).select_related(
        "institution", "course").order_by("-created_at", "-pk")
    pending = visible(user, Lesson).filter(contract__pupil__in=children,
                                           status=Lesson.Status.PENDING).select_related(
        *LESSON_ROW).order_by("delivered_at", "pk")
    windows = Windows()
    # The child's district: its institutions are the ones the child signs with (``_offered``).
    cards = {c.pk: {"pupil": c, "contracts": [], "pending": [], "held_fen": 0,
                    "days": windows.of(c.school.bureau)} for c in children}
    for contract in contracts:
        card = cards[contract.pupil_id]
        card["contracts"].append(_money(contract))
        card["held_fen"] += _held_fen(contract)
    for lesson in pending:
        cards[lesson.contract.pupil_id]["pending"].append(_decorate(lesson, windows))
    for card in cards.values():
        card["held"] = yuan(card["held_fen"])
    return render(request, "funds/people/mine.html", {
        "cards": list(cards.values()), **_limits(children)})


@login_required
def contract_detail(request, pk):
    _guardian_only(request.user)
    contract = get_for(request.user, Contract, pk, queryset=CONTRACTS)
    windows = Windows()
    lessons = [_decorate(lesson, windows) for lesson in visible(request.user, Lesson).filter(
        contract=contract).select_related(*LESSON_ROW).order_by("number")]
    # The contract's own movements, read through the contract the gate let through (guardians
    # see no institution's ledger, only their contract's deposit, releases and refund).
    postings = list(contract.postings.order_by("created_at", "pk"))
    for posting in postings:
        posting.amount = yuan(posting.amount_fen)
    return render(request, "funds/people/contract.html", {
        "contract": _money(contract), "lessons": lessons, "postings": postings,
        "account": getattr(contract.institution, "funds_account", None),
        "days": windows.of(contract.institution.bureau),
        "can_refund": contract.status == Contract.Status.ACTIVE and contract.lessons_left > 0})


# ---- guardians: confirming lessons and refunds ---------------------------------------------

def _back(request, fallback):
    """Where a plain (non-HTMX) form returns to: the page it was sent from, if ours."""
    target = request.POST.get("next", "")
    return target if target.startswith("/funds/mine/") else fallback


@login_required
@require_POST
def confirm(request, pk):
    _guardian_only(request.user)
    lesson = get_for(request.user, Lesson, pk, "confirm", queryset=LESSONS)
    error = None
    try:
        lesson = services.confirm_lesson(actor=request.user, lesson=lesson)
    except RuleViolation as e:
        _refuse_forbidden(e)
        error = _rule_text(e)
        lesson.refresh_from_db()
    if not request.htmx:
        if error:
            messages.error(request, f"第 {lesson.number} 课：{error}")
        else:
            messages.success(request, f"已确认{lesson.contract.course.name}第 {lesson.number} 课，"
                                      f"{yuan(lesson.contract.price_per_lesson_fen)} 元拨付给机构。")
        return redirect(_back(request, reverse("funds:mine")))
    return render(request, "funds/people/mine.html#lesson", {
        "lesson": _decorate(lesson, Windows()), "row_error": error, "confirmed_now": error is None,
        "back": _back(request, reverse("funds:mine"))})


@login_required
def refund(request, pk):
    _guardian_only(request.user)
    contract = get_for(request.user, Contract, pk, "refund", queryset=CONTRACTS)
    amount = contract.lessons_left * contract.price_per_lesson_fen
    changed = False
    if request.method == "POST":
        # The guardian agreed to the amount shown; when lessons were recorded meanwhile the
        # amount is different, so show it again rather than refund a sum nobody saw.
        changed = request.POST.get("amount_fen") != str(amount)
        if not changed:
            try:
                posting = services.request_refund(actor=request.user, contract=contract)
            except RuleViolation as e:
                _refuse_forbidden(e)
                messages.error(request, _rule_text(e))
            else:
                messages.success(request, f"已退费 {yuan(posting.amount_fen)} 元，存管银行将退回"
                                          "原付款账户（PF-13）。")
            return redirect("funds:contract", contract.pk)
    return render(request, "funds/people/refund.html", {
        "contract": _money(contract), "amount_fen": amount, "amount": yuan(amount), "changed": changed,
        "pending_value": yuan(contract.lessons_pending * contract.price_per_lesson_fen),
        "possible": contract.status == Contract.Status.ACTIVE and amount > 0})


# ---- guardians: courses and signing --------------------------------------------------------

def _offered(districts):
    """Published courses of approved institutions of ``districts`` with a supervised account
    that is not frozen: what a guardian may sign for. Courses are public (TP-5, PF-9)."""
    return (TrainingCourse.objects.published()
            .filter(institution__status=Institution.Status.APPROVED,
                    institution__bureau_id__in=districts,
                    institution__funds_account__isnull=False,
                    institution__funds_account__frozen=False)
            .select_related("institution__funds_account")
            .order_by("institution__name", "name", "pk"))


@login_required
def courses(request):
    require(request.user, "create", Contract)
    children = _children(request.user)
    found = _offered({c.school.bureau_id for c in children})
    q = request.GET.get("q", "")[:100].strip()
    category = request.GET.get("category", "")
    if q:
        found = found.filter(Q(institution__name__icontains=q) | Q(name__icontains=q))
    if category == "subject":
        found = found.filter(subject_type=True)
    elif category in NON_SUBJECT_CATEGORIES:
        found = found.filter(subject_type=False, subject=category)
    page = paginate(request, found, per_page=20)
    for course in page:
        course.price = yuan(course.price_per_lesson_fen)
        course.category = _course_category(course)
    return render(request, "funds/people/courses.html", {
        "page": page, "q": q, "category": category, "categories": CATEGORIES})


def _initial(request, children):
    initial = {"payment_method": "lump_sum", "start": timezone.localdate()}
    for key in ("pupil", "course"):
        if request.GET.get(key, "").isdigit():
            initial[key] = int(request.GET[key])
    if len(children) == 1:
        initial.setdefault("pupil", children[0].pk)
    return initial


# The service's field names on the form: the price and the account belong to the course.
SIGN_FIELDS = {"price_per_lesson_fen": "course", "institution": "course"}


@login_required
def sign(request):
    require(request.user, "create", Contract)
    children = _children(request.user)
    offered = _offered({c.school.bureau_id for c in children})
    form = GuardianSignForm(request.POST if request.method == "POST" else None,
                            initial=_initial(request, children), children=children,
                            courses=offered.select_related("institution"))
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.create_contract(actor=request.user, **form.service_data())
        except RuleViolation as e:
            _refuse_forbidden(e)
            e.field = SIGN_FIELDS.get(e.field, e.field)
            add_to_form(form, e)
        else:
            messages.success(request, f"合同已签订（合同编号 {contract.pk}），请按下方说明付款。")
            return redirect("funds:contract", contract.pk)
    return render(request, "funds/people/sign.html", {"form": form, **_limits(children)})


# ---- institution staff ---------------------------------------------------------------------

def _own_institution(request):
    """The staff member's institution (``?institution=`` picks one when they have several):
    404 when outside their scope, 403 for everyone who is not its staff."""
    scope = request.user.scope
    if not scope.has(Role.INSTITUTION_STAFF):
        raise PermissionDenied("只有培训机构人员可以使用本机构的资金页面。")
    pk = request.GET.get("institution") or min(scope.institution_ids, default=0)
    institution = get_for(request.user, Institution, pk,
                          queryset=Institution.objects.select_related("bureau__parent__parent"))
    # Visible through a supervision role too, but this is the institution's own page.
    if institution.pk not in scope.institution_ids:
        raise PermissionDenied("本页面只供本机构人员使用。")
    return institution


def _sales(request, institution):
    status = request.GET.get("status", "")
    qs = visible(request.user, Contract).filter(institution=institution).select_related(
        "pupil", "course")
    if status in Contract.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk"), status


def _summary(institution):
    summary = services.account_summary(institution)
    return {**summary, **{k.removesuffix("_fen"): yuan(v) for k, v in summary.items()
                          if k.endswith("_fen")}}


def _month_releases(user, institution):
    first = timezone.localdate().replace(day=1)
    return visible(user, Posting).filter(
        institution=institution, kind=Posting.Kind.RELEASE,
        created_at__date__gte=first).aggregate(
        n=Count("pk"), fen=Sum("amount_fen", default=0))


@login_required
def institution_page(request):
    user = request.user
    institution = _own_institution(request)
    sales, status = _sales(request, institution)
    windows = Windows()
    pending = [_decorate(lesson, windows) for lesson in visible(user, Lesson).filter(
        contract__institution=institution, status=Lesson.Status.PENDING).select_related(
        *LESSON_ROW).order_by("delivered_at", "pk")[:100]]
    releases = _month_releases(user, institution)
    page = paginate(request, sales)
    page.object_list = [_money(c) for c in page.object_list]
    return render(request, "funds/people/institution.html", {
        "institution": institution, "summary": _summary(institution),
        "account": visible(user, SupervisedAccount).filter(institution=institution).first(),
        "page": page, "status": status, "statuses": Contract.Status.choices,
        "pending": pending, "releases": {"n": releases["n"], "amount": yuan(releases["fen"])},
        "others": visible(user, Institution).filter(pk__in=user.scope.institution_ids)
        .order_by("name", "pk") if len(user.scope.institution_ids) > 1 else [],
        "days": windows.of(institution.bureau)})


@login_required
@require_POST
def record_lesson(request, pk):
    if not request.user.scope.has(Role.INSTITUTION_STAFF):
        raise PermissionDenied("只有培训机构人员可以记录上课。")
    # Another institution's contract is out of scope (404); the "lesson" action is the
    # contract's own institution's only (Contract.permits).
    contract = get_for(request.user, Contract, pk, "lesson", queryset=CONTRACTS)
    error = lesson = None
    try:
        lesson = services.record_lesson(actor=request.user, contract=contract)
    except RuleViolation as e:
        _refuse_forbidden(e)
        error = _rule_text(e)
    if not request.htmx:
        if error:
            messages.error(request, f"合同 {contract.pk}：{error}")
        else:
            messages.success(request, f"已记录{contract.pupil.name}的第 {lesson.number} 课，"
                                      "等待家长确认。")
        return redirect(f"{reverse('funds:institution')}?institution={contract.institution_id}")
    contract.refresh_from_db()
    return render(request, "funds/people/institution.html#contract", {
        "contract": _money(contract), "row_error": error, "recorded": lesson})


EXPORT_HEADER = ["合同编号", "学生姓名", "课程", "购买课时", "已确认课时", "待确认课时", "已退课时",
                 "剩余课时", "每课时价格（元）", "合同总额（元）", "托管中（元）", "状态", "开始日期",
                 "结束日期", "付款时间"]


def _export_row(c):
    paid = timezone.localtime(c.paid_at).strftime("%Y-%m-%d %H:%M") if c.paid_at else ""
    return [c.pk, c.pupil.name, c.course.name, c.lessons, c.lessons_consumed, c.lessons_pending,
            c.lessons_refunded, c.lessons_left, yuan(c.price_per_lesson_fen), yuan(c.total_fen),
            yuan(_held_fen(c)), c.get_status_display(), c.start, c.end, paid]


@login_required
def institution_export(request):
    institution = _own_institution(request)
    sales, status = _sales(request, institution)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("培训合同")
    label = dict(Contract.Status.choices).get(status, "全部")
    sheet.append([f"{institution.name} 培训合同（{label}） 导出于 "
                  f"{timezone.localtime():%Y-%m-%d %H:%M}"])
    sheet.append(EXPORT_HEADER)
    for contract in sales.iterator(chunk_size=500):
        sheet.append(_export_row(contract))
    # Pupils are minors: the sheet names them only (no ID numbers, phones or addresses).
    sheet.append(["说明：仅含学生姓名，不含身份证号、电话等个人信息；请妥善保管。"])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    name = f"funds-contracts-{institution.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


urlpatterns = [
    path("mine/", mine, name="mine"),
    path("mine/courses/", courses, name="courses"),
    path("mine/sign/", sign, name="sign"),
    path("mine/contracts/<int:pk>/", contract_detail, name="contract"),
    path("mine/contracts/<int:pk>/refund/", refund, name="refund"),
    path("mine/lessons/<int:pk>/confirm/", confirm, name="confirm"),
    path("institution/", institution_page, name="institution"),
    path("institution/export/", institution_export, name="institution-export"),
    path("institution/contracts/<int:pk>/lesson/", record_lesson, name="record-lesson"),
]
