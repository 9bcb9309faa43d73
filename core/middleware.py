"""Security headers that Django does not set itself, and a clear answer when concurrent writers
collide."""

import logging

from django.shortcuts import render

from core.errors import CONTENTION_MESSAGE, is_contention

log = logging.getLogger(__name__)

# No inline scripts anywhere (the vendored Swagger UI included); inline styles are allowed for
# ECharts, which sizes its canvas with style attributes.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
       "form-action 'self'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


class ContentionMiddleware:
    """A page whose transaction lost a deadlock or timed out on a lock answers 409 with a
    message to try again (the transaction was rolled back whole), not a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_contention(exception):
            return None
        log.warning("database contention on %s %s: %s", request.method, request.path, exception)
        return render(request, "core/error.html", {"status": 409, "title": "请重试",
                                                   "message": CONTENTION_MESSAGE}, status=409)
