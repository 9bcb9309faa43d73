"""Errors that Django answers before the API sees the request are JSON under /api/ too."""

from urllib.parse import unquote

from django.http import JsonResponse

FALLBACK = {
    400: ("bad_request", "请求格式错误（或请求体过大）。"),
    403: ("forbidden", "您没有执行此操作的权限。"),
    404: ("not_found", "接口不存在，或对象不在您的管辖范围内。"),
    405: ("method_not_allowed", "该接口不支持此请求方法。"),
    413: ("too_large", "请求体过大。"),
}


def _has_nul(request):
    if "\x00" in unquote(request.META.get("QUERY_STRING", "")):
        return True
    if request.method in ("POST", "PUT", "PATCH") and request.content_type == "application/json":
        try:
            body = request.body
        except Exception:  # too large: Django answers that itself
            return False
        return b"\\u0000" in body or b"\x00" in body
    return False


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and _has_nul(request):
            # PostgreSQL cannot store NUL characters in text: refuse them up front.
            return JsonResponse({"code": "invalid", "message": "请求中含有不允许的空字符（\\u0000）。",
                                 "field": None}, status=422, json_dumps_params={"ensure_ascii": False})
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code in FALLBACK
                and not response.get("Content-Type", "").startswith("application/json")):
            code, message = FALLBACK[response.status_code]
            json = JsonResponse({"code": code, "message": message, "field": None},
                                status=response.status_code,
                                json_dumps_params={"ensure_ascii": False})
            if response.has_header("Allow"):
                json["Allow"] = response["Allow"]
            return json
        return response
