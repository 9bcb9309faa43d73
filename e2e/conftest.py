"""Browser end-to-end tests: Playwright for Python driving Debian's Chromium.

The tests run against pytest-django's ``live_server`` (a real HTTP server in a thread, on
127.0.0.1) with the demo district of ``org.demo.build_demo`` in the test database, fresh for
every test (``transactional_db``: the live server's thread must see committed rows). On SQLite it
is built once and copied back before each test (``_load_demo``). One Chromium runs for the whole
session; each test gets a fresh browser context (no cookies).

* Chromium is Debian's (``/usr/bin/chromium``, or ``$CHROMIUM``); Playwright never downloads a
  browser here. Without Chromium or the ``playwright`` package the tests are skipped with the
  reason; ``E2E_REQUIRED=1`` (set by ``.ci/run``) makes that a failure instead.
* On a failure the page's screenshot and HTML are saved to ``e2e/artifacts/<test>.png|.html``.
* "Today" is pinned to Monday 2026-11-23, a school day in the demo calendar, as in the other
  homework tests (the services refuse dates more than a year from today).
"""

import datetime as dt
import importlib.util
import os
import re
import sqlite3
import types
from pathlib import Path

import pytest
from django.utils import timezone

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TODAY = dt.date(2026, 11, 23)  # a Monday in the demo's autumn term
TIMEOUT_MS = 15_000


def _unavailable():
    """Why the browser tests cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (make install-dev)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium not found at {CHROMIUM} (as root: make chromium, or apt-get install chromium)"
    return None


UNAVAILABLE = _unavailable()


def pytest_collection_modifyitems(config, items):
    """Every test under e2e/ is marked ``e2e`` (CI's PostgreSQL run leaves them out)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if r.nodeid.startswith("e2e/")]
    if skipped and UNAVAILABLE:
        terminalreporter.write_line(
            f"e2e: {len(skipped)} browser tests SKIPPED: {UNAVAILABLE}", yellow=True, bold=True)


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """One Chromium for the session, started after the test database exists."""
    if UNAVAILABLE:
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(f"E2E_REQUIRED=1 but the browser tests cannot run: {UNAVAILABLE}")
        pytest.skip(f"browser tests skipped: {UNAVAILABLE}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while it runs; Django would take
    # every ORM call of the tests (and of pytest-django's flushes) for a call from async code.
    # They are not: allow them while the browser is up.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def demo_snapshot():
    """The demo district as first built, kept as a copy of SQLite's in-memory test database."""
    held = {}
    yield held
    if "db" in held:
        held["db"].close()


def _load_demo(snapshot):
    """Build the demo district once; every later test gets a copy of the database as it was then.

    Building takes seconds (the after-school term and the institutions included); SQLite's backup
    API copies the whole in-memory database back in milliseconds, over the rows the previous test
    left and pytest-django flushed. Its ids are then the same in every test: the ContentType cache,
    which is keyed by id, is cleared. Other databases build the district every time.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from org.demo import build_demo

    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        build_demo()
        return
    connection.ensure_connection()
    if "db" not in snapshot:
        build_demo()
        snapshot["db"] = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(snapshot["db"])
    else:
        snapshot["db"].backup(connection.connection)
        ContentType.objects.clear_cache()


@pytest.fixture
def demo(transactional_db, monkeypatch, demo_snapshot):
    """The demo district (every account's password is ``shuangjian``) and a pinned today."""
    from org.demo import DEMO_DISTRICT_CODE, demo_school_code
    from org.models import Bureau, School, SchoolClass

    real_localdate = timezone.localdate
    monkeypatch.setattr(timezone, "localdate",
                        lambda value=None, timezone=None: TODAY if value is None
                        else real_localdate(value, timezone))
    _load_demo(demo_snapshot)
    school = School.objects.get(code=demo_school_code(1))
    return types.SimpleNamespace(
        bureau=Bureau.objects.get(code=DEMO_DISTRICT_CODE), school=school, today=TODAY,
        class_4_1=SchoolClass.objects.get(school=school, grade=4, number=1))


def _artifact_name(nodeid):
    return re.sub(r"[^\w.-]+", "_", nodeid.removeprefix("e2e/")).strip("_")


@pytest.fixture
def page(browser, live_server, demo, request):
    """A page in a fresh browser context, pointed at the live server.

    JavaScript errors and console errors (a refused Content-Security-Policy, a failed HTMX
    request) fail the test. On failure the screenshot and the HTML go to e2e/artifacts/.
    """
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  timezone_id="Asia/Shanghai",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems = []
    tab.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))

    def on_console(message):
        url = message.location.get("url", "")
        # Chromium asks every site for /favicon.ico; the platform has none (a 404, harmless).
        if message.type == "error" and not url.endswith("/favicon.ico"):
            problems.append(f"console error: {message.text} ({url or tab.url})")

    tab.on("console", on_console)
    yield tab
    report = getattr(request.node, "report_call", None)
    failed = report is None or report.failed
    if failed or problems:
        ARTIFACTS.mkdir(exist_ok=True)
        name = _artifact_name(request.node.nodeid)
        try:
            tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(tab.content(), encoding="utf-8")
        except Exception as exc:  # a crashed page still must not hide the test's own failure
            problems.append(f"(could not save the page: {exc})")
    context.close()
    if problems and not failed:
        pytest.fail("the browser reported errors:\n" + "\n".join(problems))
