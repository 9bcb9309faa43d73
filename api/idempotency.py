"""``Idempotency-Key`` for API writes (issue 10).

The first request with a key runs and its response is stored; the same key with the same body
replays that response and changes nothing more; the same key with another body is a 409. A
second request that arrives while the first still runs is a 409 as well, so two racing
duplicates never both take effect (the unique constraint decides who is first).
"""

import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse

from api.models import IdempotencyRecord

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _error(status, code, message):
    return JsonResponse({"code": code, "message": message, "field": "Idempotency-Key"},
                        status=status, json_dumps_params={"ensure_ascii": False})


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get("Idempotency-Key")
        if not key or request.method not in WRITES or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 200:
            return _error(400, "bad_request", "Idempotency-Key 过长（最多200个字符）。")
        credentials = request.headers.get("Authorization") or \
            request.COOKIES.get("sessionid") or "anonymous"
        owner = hashlib.sha256(credentials.encode()).hexdigest()
        body_digest = hashlib.sha256(
            request.method.encode() + b" " + request.get_full_path().encode() + b"\n"
            + request.body).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner, key=key, method=request.method, path=request.path[:500],
                    body_digest=body_digest)
        except IntegrityError:
            return self._replay(owner, key, body_digest)
        response = self.get_response(request)
        if response.status_code >= 500 or getattr(response, "streaming", False):
            record.delete()  # nothing was stored: the client may try again
            return response
        record.status = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.body = response.content
        record.save(update_fields=["status", "content_type", "body"])
        return response

    @staticmethod
    def _replay(owner, key, body_digest):
        record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if record is None:  # deleted after a server error in the meantime
            return _error(409, "idempotency_retry", "请稍后使用同一 Idempotency-Key 重试。")
        if record.body_digest != body_digest:
            return _error(409, "idempotency_conflict",
                          "该 Idempotency-Key 已用于另一个请求，请为新请求使用新的键。")
        if record.status is None:
            return _error(409, "idempotency_in_progress", "相同的请求正在处理中，请稍后重试。")
        response = HttpResponse(bytes(record.body), status=record.status,
                                content_type=record.content_type or "application/json")
        response["Idempotent-Replayed"] = "true"
        return response


