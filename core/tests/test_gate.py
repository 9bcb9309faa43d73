"""The authorization gate cannot be bypassed by accident (STYLE 4 and 5).

- no view or API module fetches a model directly (``.objects.get(`` / ``get_object_or_404(``);
- every page that is not explicitly public sends an anonymous visitor to the login page;
- every URL name is in a permission matrix (each app's tests/test_permissions.py: MATRIX and
  POST_MATRIX) or the public allow-list in org/tests/test_permissions.py.
"""

import importlib
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from org.tests.test_permissions import PUBLIC_URLS

REPO = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "venv", ".git", "node_modules", "static", "staticfiles", "templates",
             "migrations", "tests", "data", "__pycache__"}
FORBIDDEN = re.compile(r"\.objects\.get\(|get_object_or_404\(")
# views.py, api.py and their siblings (account_views.py, api/routes.py, views/ packages, …)
DOOR = re.compile(r"(^|_)(views|api|routes)\.py$")


def _door_modules():
    """Every views/api module of the repository's apps (.venv and friends pruned)."""
    found = []
    for root, dirs, files in os.walk(REPO):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        rel = Path(root).relative_to(REPO).parts
        in_package = len(rel) >= 2 and rel[-1] in ("views", "api")  # org/views/…, not api/
        found += [Path(root) / f for f in sorted(files)
                  if f.endswith(".py") and (DOOR.search(f) or in_package)]
    return found


def test_the_scan_finds_the_apps_doors():
    # Given the repository; when the doors are collected; then the known ones are among them
    names = {str(p.relative_to(REPO)) for p in _door_modules()}
    assert {"org/views.py", "org/api.py", "schoolcal/views.py", "schoolcal/api.py",
            "audit/views.py", "audit/api.py", "core/views.py", "api/routes.py"} <= names


@pytest.mark.parametrize("path", _door_modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_views_and_api_never_fetch_objects_around_the_gate(path):
    # Given a view or API module
    lines = path.read_text(encoding="utf-8").splitlines()
    # When we look for direct fetches
    offending = [f"{path.relative_to(REPO)}:{n}: {line.strip()}"
                 for n, line in enumerate(lines, start=1) if FORBIDDEN.search(line)]
    # Then there are none: objects come through core.access.get_for / visible
    assert not offending, "use core.access.get_for/visible instead:\n" + "\n".join(offending)


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _walk(entry, prefix + str(entry.pattern),
                             f"{namespace}:{ns}" if namespace and ns else ns or namespace)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name, entry


def _web_patterns():
    """(route, url name, pattern) of every web page: not the JSON API, static files or admin."""
    return [(route, name, p) for route, name, p in _walk(get_resolver())
            if not route.startswith(("api/", "static/", "admin/"))]


def _sample_kwargs(pattern):
    converters = getattr(pattern.pattern, "converters", {})
    samples = {"int": "1", "slug": "index", "str": "x", "path": "x", "uuid":
               "00000000-0000-0000-0000-000000000000"}
    kwargs = {}
    for key, converter in converters.items():
        kind = type(converter).__name__.removesuffix("Converter").lower()
        kwargs[key] = samples.get(kind, "1")
    return kwargs


def test_every_web_url_has_a_name():
    unnamed = [route for route, name, _ in _web_patterns() if not name]
    assert not unnamed


@pytest.mark.parametrize("route,name,pattern",
                         [w for w in _web_patterns() if w[1] not in PUBLIC_URLS],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_anonymous_get_is_sent_to_the_login_page(route, name, pattern, client, db):
    # Given an anonymous visitor and a page that is not public
    url = reverse(name, kwargs=_sample_kwargs(pattern))
    # When they GET it
    response = client.get(url)
    # Then they are redirected to the login page, coming back here afterwards
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"].startswith("/login/?next="), response["Location"]


@pytest.mark.parametrize("name", sorted(PUBLIC_URLS))
def test_public_pages_do_not_require_login(name, client, db):
    url = reverse(name, kwargs={"slug": "index"} if name == "help-page" else None)
    response = client.get(url)
    # logout only answers POST
    assert response.status_code == (405 if name == "logout" else 200)


def _matrix_rows():
    """MATRIX and POST_MATRIX rows of every app's tests/test_permissions.py."""
    rows = []
    for path in sorted(REPO.glob("*/tests/test_permissions.py")):
        module = importlib.import_module(f"{path.parent.parent.name}.tests.test_permissions")
        rows += list(getattr(module, "MATRIX", [])) + list(getattr(module, "POST_MATRIX", []))
    return rows


def test_every_url_name_is_in_the_permission_matrix():
    # Given the names the matrices cover and the public allow-list
    covered = {row[0] for row in _matrix_rows()} | PUBLIC_URLS
    # When we list every web page
    names = {name for _, name, _ in _web_patterns()}
    # Then none is missing from both
    missing = sorted(names - covered)
    assert not missing, f"add these URL names to a tests/test_permissions.py matrix: {missing}"
    # and the matrix names no page that does not exist
    stale = sorted(n for n in covered - names if not n.startswith("api-1:"))
    assert not stale, stale
