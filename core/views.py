"""Login, the role-aware home page, health, in-app help and error pages."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.help import render_markdown
from core.navigation import cards_for
from schoolcal.calendar import package_has_year

HELP_DIR = Path(settings.BASE_DIR) / "docs" / "help"


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


@login_required
def home(request):
    from api.routes import describe

    me = describe(request.user)
    warnings = []
    if request.user.scope.has("bureau_admin"):
        from django.utils import timezone

        year = timezone.localdate().year
        for y in (year, year + 1):
            if not package_has_year(y):
                warnings.append(y)
    return render(request, "core/home.html", {
        "me": me, "cards": cards_for(request.user), "calendar_missing_years": warnings,
    })


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def help_page(request, slug="index"):
    path = HELP_DIR / f"{slug}.md"
    if not path.is_file():
        raise Http404
    pages = sorted((p.stem, p.read_text(encoding="utf-8").splitlines()[0].lstrip("# "))
                   for p in HELP_DIR.glob("*.md"))
    return render(request, "core/help.html", {
        "content": render_markdown(path.read_text(encoding="utf-8")), "pages": pages,
        "slug": slug,
    })


def error_403(request, exception=None):
    return render(request, "core/error.html", {"status": 403, "title": "无权访问",
                  "message": str(exception) if exception else "您没有执行此操作的权限。"},
                  status=403)


def error_404(request, exception=None):
    return render(request, "core/error.html", {"status": 404, "title": "页面不存在",
                  "message": "您访问的对象不存在，或不在您的管辖范围内。"}, status=404)


def error_500(request):
    return render(request, "core/error.html", {"status": 500, "title": "服务器错误",
                  "message": "服务器内部错误，请稍后重试或联系管理员。"}, status=500)


def locked_out(request, original_response=None, credentials=None):
    """django-axes lockout: the JSON error under /api/, the Chinese page elsewhere (429)."""
    message = "登录失败次数过多，该账号在此设备上已被锁定 15 分钟，请稍后再试或联系管理员。"
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "message": message, "field": "username"},
                            status=429, json_dumps_params={"ensure_ascii": False})
    return render(request, "registration/locked_out.html", status=429)
