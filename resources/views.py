"""Pages of the homework library (QM-5): search, item, contribute, rate, select.

Each view: gate (core.access) → form → one service of resources.services → redirect. The search
page and the item page carry ``class`` and ``date`` along when a teacher came from a filing page,
so that "用于布置作业" returns to that class and day.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import can, get_for, require, visible
from core.errors import Forbidden, RuleViolation, add_to_form
from core.paging import paginate
from homework.models import Homework
from org.models import SchoolClass, TeachingAssignment
from resources import services
from resources.forms import ItemForm, RatingForm, SearchForm, SelectionForm
from resources.models import Level, ResourceItem


def _item(request, pk, action="view"):
    require(request.user, "view", ResourceItem)  # guardians and institutions: 403, not 404
    return get_for(request.user, ResourceItem, pk, action,
                   queryset=ResourceItem.objects.for_cards())


def _rule_text(error):
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _passing(request):
    """The ``class``/``date`` of the filing page the teacher came from, as a query string."""
    keep = QueryDict(mutable=True)
    for key in ("class", "date"):
        if value := request.GET.get(key, "").strip():
            keep[key] = value
    return keep.urlencode()


def _query_int(request, name):
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


def _query_date(request):
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


def _detail_url(item, passing=""):
    return reverse("resources:detail", args=[item.pk]) + (f"?{passing}" if passing else "")


@login_required
def index(request):
    items = visible(request.user, ResourceItem).for_cards()
    form = SearchForm(request.GET or None)
    if form.is_valid():
        items = items.search(**form.cleaned_data)
    else:
        items = items.search()
    return render(request, "resources/index.html", {
        "form": form, "page": paginate(request, items, per_page=24),
        "passing": _passing(request),
        "can_create": can(request.user, "create", ResourceItem)})


def _filing_targets(request, item):
    """Filing pages (class, date) where the teacher may use the item: the class they came from,
    else each class they head or teach the item's subject in, for today."""
    scope = request.user.scope
    if not scope.teacher_id or not can(request.user, "create", Homework):
        return []
    taught = TeachingAssignment.objects.filter(teacher_id=scope.teacher_id, subject=item.subject)
    ids = scope.head_class_ids | set(taught.values_list("school_class_id", flat=True))
    classes = visible(request.user, SchoolClass).filter(pk__in=ids).select_related("school")
    wanted, date = _query_int(request, "class"), _query_date(request)
    if wanted in ids:
        classes = classes.filter(pk=wanted)
    # Classes whose grade the item suits come first.
    ordered = sorted(classes, key=lambda c: (not item.grade_from <= c.grade <= item.grade_to,
                                             c.grade, c.number))
    return [{"school_class": c, "date": date,
             "url": reverse("homework:file", args=[c.pk, date.isoformat()])
             + f"?resource={item.pk}"} for c in ordered]


def _detail(request, item, rating_form=None, selection_form=None):
    scope = request.user.scope
    ratings = item.ratings.select_related("teacher__school").order_by("-created_at", "-pk")
    mine = next((r for r in ratings if r.teacher_id == scope.teacher_id), None) \
        if scope.teacher_id else None
    levels = [level for level in Level.values if item.can_select(scope, level)]
    can_rate = can(request.user, "rate", item) and mine is None
    return render(request, "resources/detail.html", {
        "item": item, "ratings": ratings, "my_rating": mine,
        "rating_form": rating_form or (RatingForm() if can_rate else None),
        "selection_form": selection_form or (SelectionForm(levels=levels) if levels else None),
        "can_edit": can(request.user, "change", item),
        "targets": _filing_targets(request, item), "passing": _passing(request)})


@login_required
def detail(request, pk):
    return _detail(request, _item(request, pk))


@login_required
def edit(request, pk=None):
    item = _item(request, pk, "change") if pk else None
    if item is None:
        require(request.user, "create", ResourceItem)
    bureau_item = (item.school_id is None) if item else not request.user.scope.teacher_id
    initial = {f: getattr(item, f) for f in services.FIELDS} if item else None
    form = ItemForm(request.POST or None, initial=initial, bureau_item=bureau_item)
    if request.method == "POST" and form.is_valid():
        try:
            if item:
                item = services.update_item(actor=request.user, item=item, **form.service_data())
            else:
                item = services.create_item(actor=request.user, **form.service_data())
        except Forbidden as e:
            raise PermissionDenied(e.message) from None
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已保存“{item.title}”。")
            return redirect("resources:detail", item.pk)
    return render(request, "resources/form.html", {
        "form": form, "item": item, "title": "修改作业资源" if item else "提交作业资源"})


@login_required
@require_POST
def delete(request, pk):
    item = _item(request, pk, "change")
    try:
        services.delete_item(actor=request.user, item=item)
    except RuleViolation as e:
        messages.error(request, _rule_text(e))
        return redirect("resources:detail", item.pk)
    messages.success(request, f"已删除“{item.title}”。")
    return redirect("resources:index")


@login_required
@require_POST
def rate(request, pk):
    item = _item(request, pk, "rate")
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_item(actor=request.user, item=item, **form.cleaned_data)
        except Forbidden as e:
            raise PermissionDenied(e.message) from None
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, "感谢您的评分。")
            return redirect(_detail_url(item))
    return _detail(request, item, rating_form=form)


@login_required
@require_POST
def select(request, pk):
    item = _item(request, pk, "select")
    levels = [level for level in Level.values if item.can_select(request.user.scope, level)]
    form = SelectionForm(request.POST, levels=levels)
    if form.is_valid():
        try:
            selection = services.select_item(actor=request.user, item=item, **form.cleaned_data)
        except Forbidden as e:
            raise PermissionDenied(e.message) from None
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已评为{selection}。")
            return redirect(_detail_url(item))
    return _detail(request, item, selection_form=form)
