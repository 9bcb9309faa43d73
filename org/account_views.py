"""Pages for accounts and roles (bureau admins and school admins)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.access import get_for, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from org import accounts
from org.forms import CredentialsForm, NewAccountForm, PasswordForm, RoleForm
from org.models import Guardian, Teacher, User

UNIT_FIELDS = ("bureau", "school", "grade", "institution")


@login_required
def account_list(request):
    users = visible(request.user, User).prefetch_related(
        "role_assignments__bureau", "role_assignments__school", "role_assignments__institution"
    ).select_related("teacher__school").order_by("username")
    if q := request.GET.get("q", "").strip():
        users = users.filter(Q(username__contains=q) | Q(name__contains=q))
    return render(request, "org/account_list.html", {"page": paginate(request, users)})


@login_required
def account_create(request):
    require(request.user, "create", User)
    form = NewAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the account and its first role, or neither
                user = accounts.create_account(
                    actor=request.user, username=data["username"], password=data["password"],
                    name=data["name"], phone=data["phone"])
                accounts.grant_role(actor=request.user, user=user, role=data["role"],
                                    **{f: data[f] for f in UNIT_FIELDS})
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已开通账号 {user.username}。")
            return redirect("org:account", user.pk)
    return render(request, "org/form.html", {"form": form, "title": "新建账号"})


@login_required
def account_detail(request, pk):
    account = get_for(request.user, User, pk)
    role_form = RoleForm(request.POST or None, user=request.user, prefix="role")
    if request.method == "POST" and role_form.is_valid():
        data = role_form.cleaned_data
        try:
            accounts.grant_role(actor=request.user, user=account, role=data["role"],
                                **{f: data[f] for f in UNIT_FIELDS})
        except RuleViolation as e:
            add_to_form(role_form, e)
        else:
            messages.success(request, "角色已分配。")
            return redirect("org:account", account.pk)
    return render(request, "org/account_detail.html", {
        "account": account, "role_form": role_form, "password_form": PasswordForm(),
        "assignments": account.role_assignments.select_related("bureau", "school", "institution"),
        "roles": sorted(r.label for r in account.scope.roles)})


@login_required
@require_POST
def role_revoke(request, pk, assignment_pk):
    account = get_for(request.user, User, pk, "change")
    assignment = account.role_assignments.filter(pk=assignment_pk).first()
    if assignment is None:
        messages.error(request, "该角色不存在。")
    else:
        try:
            accounts.revoke_role(actor=request.user, assignment=assignment)
        except RuleViolation as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "角色已撤销。")
    return redirect("org:account", account.pk)


@login_required
@require_POST
def account_password(request, pk):
    account = get_for(request.user, User, pk, "change")
    form = PasswordForm(request.POST)
    try:
        if not form.is_valid():
            raise RuleViolation("required", "请输入新密码。", "password")
        accounts.reset_password(actor=request.user, user=account,
                                password=form.cleaned_data["password"])
    except RuleViolation as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "密码已重置，该账号的接口令牌已全部失效。")
    return redirect("org:account", account.pk)


@login_required
@require_POST
def account_active(request, pk):
    account = get_for(request.user, User, pk, "change")
    try:
        accounts.set_active(actor=request.user, user=account,
                            active=request.POST.get("active") == "1")
    except RuleViolation as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "账号状态已更新。")
    return redirect("org:account", account.pk)


@login_required
def teacher_account(request, pk):
    teacher = get_for(request.user, Teacher, pk, "change",
                      queryset=Teacher.objects.select_related("school"))
    return _open_account(request, teacher, accounts.open_teacher_account, "teacher",
                         f"为教职工 {teacher.name} 开通账号", ("org:school", teacher.school_id))


@login_required
def guardian_account(request, pk):
    guardian = get_for(request.user, Guardian, pk)
    pupil = guardian.pupils.order_by("pk").first()
    return _open_account(request, guardian, accounts.open_guardian_account, "guardian",
                         f"为家长 {guardian.name} 开通账号", ("org:pupil", pupil.pk))


def _open_account(request, profile, service, keyword, title, back):
    form = CredentialsForm(request.POST or None, initial={"username": getattr(profile, "phone", "")})
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, **{keyword: profile}, **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已开通账号 {form.cleaned_data['username']}。")
            return redirect(*back)
    return render(request, "org/form.html", {"form": form, "title": title})


