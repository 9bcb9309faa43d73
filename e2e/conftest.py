"""Browser end-to-end tests: Playwright for Python driving Debian's Chromium.

The tests run against pytest-django's ``live_server`` (a real HTTP server in a thread, on
127.0.0.1) with the demo district of ``org.demo.build_demo`` in the test database, rebuilt for
every test (``transactional_db``: the live server's thread must see committed rows). One
Chromium runs for the whole session; each test gets a fresh browser context (no cookies).

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


@pytest.fixture
def demo(transactional_db, monkeypatch):
    """The demo district (every account's password is ``shuangjian``) and a pinned today."""
    from org.demo import build_demo, demo_school_code
    from org.models import School, SchoolClass

    real_localdate = timezone.localdate
    monkeypatch.setattr(timezone, "localdate",
                        lambda value=None, timezone=None: TODAY if value is None
                        else real_localdate(value, timezone))
    built = build_demo()
    school = School.objects.get(code=demo_school_code(1))
    return types.SimpleNamespace(
        bureau=built["bureau"], school=school, today=TODAY,
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
