"""The JSON API under /api/v1/ (django-ninja), its authentication and its one error format.

Every error is ``{"code", "message", "field"}`` with a 4xx status (issue 10):
400 malformed, 401 no/invalid token, 403 visible but forbidden, 404 missing or outside the
caller's scope, 409 conflict with the current state, 422 a policy rule or field validation.
"""

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer, django_auth

from api.models import ApiToken, digest
from core.errors import CONTENTION_MESSAGE, RuleViolation, is_contention

log = logging.getLogger(__name__)


class LocalTimeEncoder(NinjaJSONEncoder):
    """Times as ISO 8601 with the +08:00 offset (XC-3), whatever the database returned."""

    def default(self, o):
        if isinstance(o, dt.datetime):
            if timezone.is_aware(o):
                o = timezone.localtime(o)
            return o.isoformat()
        return super().default(o)


class Renderer(JSONRenderer):
    encoder_class = LocalTimeEncoder
    json_dumps_params = {"ensure_ascii": False}


class BearerToken(HttpBearer):
    openapi_description = "`POST /api/v1/auth/token` 换取令牌后，以 `Authorization: Bearer <token>` 发送。"

    def authenticate(self, request, token):
        found = ApiToken.objects.select_related("user").filter(digest=digest(token)).first()
        if found is None or not found.user.is_active:
            return None
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="双减监管平台 API",
    version="1",
    description=(
        "双减监管平台的 JSON 接口。列表返回 `{\"items\": [...], \"count\": N}`，支持 `limit`"
        "（默认 50，最大 500）和 `offset`。时间为带 +08:00 时区的 ISO 8601，金额为整数“分”"
        "（字段名以 `_fen` 结尾）。错误统一为 `{\"code\", \"message\", \"field\"}`：400 请求格式错误，"
        "401 未登录或令牌无效，403 无权操作，404 不存在或不在您的管辖范围，409 与当前状态冲突，"
        "422 违反政策规则（code 为 RULES.md 中的规则编号，如 `HW-2`）或字段校验失败"
        "（`invalid`/`required`）。写操作可带 `Idempotency-Key` 请求头，重复提交只生效一次。"
    ),
    urls_namespace="api-1",
    auth=[BearerToken(), django_auth],
    renderer=Renderer(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error(request, status, code, message, field=None, **extra):
    return api.create_response(request, {"code": code, "message": message, "field": field,
                                         **extra}, status=status)


@api.exception_handler(RuleViolation)
def on_rule_violation(request, exc):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "payload")]
    field = ".".join(loc) or None
    missing = first.get("type") == "missing"
    message = f"缺少必填字段：{field}" if missing else f"字段取值无效：{field}（{first.get('msg', '')}）"
    details = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or None,
                "code": "required" if e.get("type") == "missing" else "invalid"}
               for e in exc.errors]
    return error(request, 422, "required" if missing else "invalid", message, field,
                 errors=details)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return error(request, 401, "unauthorized", "未登录或令牌无效，请先获取令牌。")


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    codes = {400: ("bad_request", "请求格式错误（请发送合法的 JSON）。"),
             401: ("unauthorized", "未登录或令牌无效，请先获取令牌。"),
             403: ("forbidden", "您没有执行此操作的权限。"),
             404: ("not_found", "对象不存在或不在您的管辖范围内。"),
             405: ("method_not_allowed", "不支持该请求方法。"),
             409: ("conflict", "与当前状态冲突。"),
             429: ("throttled", "请求过于频繁，请稍后再试。")}
    code, message = codes.get(exc.status_code, ("error", str(exc)))
    return error(request, exc.status_code, code, message)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return error(request, 403, "forbidden", str(exc) or "您没有执行此操作的权限。")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, "not_found", "对象不存在或不在您的管辖范围内。")


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc):
    field, messages = next(iter(exc.message_dict.items())) if hasattr(exc, "error_dict") \
        else (None, exc.messages)
    return error(request, 422, "invalid", "；".join(messages), None if field == "__all__" else field)


@api.exception_handler(OverflowError)
def on_overflow(request, exc):
    # An id or number beyond what the database stores (SQLite raises before querying).
    return error(request, 422, "invalid", "数值超出允许范围。")


@api.exception_handler(OperationalError)
def on_operational_error(request, exc):
    if is_contention(exc):
        # A deadlock or lock timeout between concurrent writers: rolled back, safe to resend.
        log.warning("database contention on %s %s: %s", request.method, request.path, exc)
        return error(request, 409, "retry", CONTENTION_MESSAGE)
    return on_unexpected(request, exc)


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    log.exception("unhandled API error")
    return error(request, 500, "server_error", "服务器内部错误，请稍后重试或联系管理员。")
