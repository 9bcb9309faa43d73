"""Sessions follow the calendar: a day the bureau closes loses its sessions, a make-up workday
(调休) gains the timetable of the programme's ``makeup_weekday``; through the calendar service
(signal → task) and through the daily command."""

import datetime as dt

import pytest
from django.core.management import call_command

from afterschool.models import Session
from schoolcal import services as calendar

WEDNESDAY = dt.date(2026, 12, 2)
SATURDAY = dt.date(2026, 12, 5)


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_day_closed_by_the_bureau_loses_its_sessions(cast, bureau_admin, open_programme,
                                                      courses, immediate_tasks,
                                                      django_capture_on_commit_callbacks):
    assert Session.objects.filter(date=WEDNESDAY, course=courses["足球"]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        calendar.save_override(actor=bureau_admin, bureau=cast.district_a, date=WEDNESDAY,
                               kind="no_school", note="暴雨停课")
    assert not Session.objects.filter(date=WEDNESDAY).exists()


def test_a_makeup_saturday_runs_the_makeup_weekday_timetable(cast, bureau_admin, open_programme,
                                                           courses, immediate_tasks,
                                                           django_capture_on_commit_callbacks):
    assert not Session.objects.filter(date=SATURDAY).exists()
    with django_capture_on_commit_callbacks(execute=True):
        calendar.save_override(actor=bureau_admin, bureau=cast.district_a, date=SATURDAY,
                               kind="workday", note="调休上课")
    # makeup_weekday is Monday: football (Mon/Wed) meets, painting (Tue/Thu) does not.
    names = set(Session.objects.filter(date=SATURDAY).values_list("course__name", flat=True))
    assert "足球" in names and "绘画" not in names
    assert any("作业辅导" in n for n in names)


def test_the_daily_command_lays_out_what_the_calendar_now_says(cast, open_programme, courses,
                                                               capsys):
    from schoolcal.models import DayOverride

    # A change written without the service (e.g. a bulk import): the command catches up.
    DayOverride.objects.create(bureau=cast.district_a, date=WEDNESDAY, kind="holiday")
    call_command("sync_after_school_sessions", bureau=cast.district_a.code)
    assert not Session.objects.filter(date=WEDNESDAY).exists()
    assert "已核对 1 个课后服务方案" in capsys.readouterr().out
