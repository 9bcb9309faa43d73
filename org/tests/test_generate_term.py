"""``manage.py generate_term``: a term of data for a generated district, read back through the
apps' own reports and pages (what the dashboards and their benchmark rely on)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from afterschool import services as afterschool
from afterschool.models import Allocation, Course, Enrolment, Programme
from complaints import stats
from complaints.models import Complaint
from funds.models import Reconciliation
from funds.services import check_invariants
from homework.models import TimeReport
from inspections import services as inspections
from inspections.models import Draw, Inspection
from mentoring import services as mentoring
from mentoring.models import Mentorship, Plan
from org.models import Bureau, RoleAssignment, School, User
from org.roles import Role
from schoolinspection.models import RectificationTask, SelfCheck
from wellbeing import burden
from wellbeing.models import Survey, SurveyReceipt

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):
    """A district of 400 pupils with its term of data, generated once for the module (about 5 s)
    inside a transaction rolled back afterwards; each test runs in a savepoint of it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("generate_district", pupils=400, seed=1, stdout=StringIO())
        out = StringIO()
        call_command("generate_term", bureau="980001", stdout=out)
        bureau = Bureau.objects.get(code="980001")
        bureau.output = out.getvalue()
        yield bureau
        transaction.set_rollback(True)


def term_of(bureau):
    return Programme.objects.filter(school__bureau=bureau).first().term


def test_burden_report_reads_homework_reports_after_school_and_survey(district):
    # Given a generated district with its term of data
    schools = School.objects.filter(bureau=district).order_by("code")
    # When the bureau's termly burden report is built
    report = burden.build(term=term_of(district), schools=schools)
    totals = report["totals"]
    # Then every source of the report has figures
    assert totals["homework"]["class_days"] > 0
    assert totals["reported"]["reports"] > 0
    assert 0 < totals["reported"]["over_share"] < 1  # some reports above the limit
    assert 0.85 <= totals["after_school"]["participation"] <= 0.95
    assert totals["after_school"]["teacher_participation"] > 0
    assert totals["after_school"]["satisfaction"] is not None
    assert totals["survey"]["n"] > 0
    assert totals["compliance"]["failed_items"] >= 0 and report["trend"]
    # and the generator said what it wrote, part by part, with the time of each
    assert "课后服务：方案" in district.output and "秒）" in district.output


def test_after_school_lottery_and_counters_are_consistent(district):
    # Each programme's stored lottery re-runs to the same result (verify_allocation)
    runs = Allocation.objects.filter(programme__school__bureau=district)
    assert runs.count() == School.objects.filter(bureau=district).count()
    assert all(afterschool.verify_allocation(run) for run in runs)
    # and every course's enrolled count is its enrolled rows, never above its capacity
    for course in Course.objects.filter(programme__school__bureau=district):
        enrolled = course.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
        assert course.enrolled_count == enrolled
        assert course.capacity is None or enrolled <= course.capacity
    assert Enrolment.objects.filter(course__programme__school__bureau=district,
                                    status=Enrolment.Status.WAITLISTED).exists()


def test_mentoring_completion_and_coverage(district):
    plans = Plan.objects.filter(school__bureau=district)
    assert plans.count() == School.objects.filter(bureau=district).count()
    rows, totals = mentoring.completion(Mentorship.objects.current().filter(plan__in=plans))
    # Then there are mentees, some with all three tasks done and some not yet
    assert rows and 0 < totals["complete"] < totals["pupils"]
    # and no mentor has more mentees than MT-3 allows
    assert all(mentoring.coverage(plan)["over_max"] == 0 for plan in plans)


def test_complaints_inspections_and_supervision_have_every_state(district):
    today = timezone.localdate()
    complaints = Complaint.objects.filter(bureau=district)
    figures = stats.statistics(complaints)
    assert figures["total"] >= 20
    assert {"resolved", "closed"} & set(complaints.values_list("status", flat=True))
    # Inspections: the stored draws re-run to the same targets and teams; results recorded
    draws = Draw.objects.filter(bureau=district)
    assert draws.exists() and all(inspections.verify_draw(d)["ok"] for d in draws)
    assert Inspection.objects.filter(draw__in=draws, status="published").exists()
    # School supervision: weekly self-checks and rectification tasks, some closed
    assert SelfCheck.objects.filter(school__bureau=district).count() > 10
    tasks = RectificationTask.objects.filter(school__bureau=district)
    assert tasks.filter(status="accepted").exists()
    assert tasks.overdue(today).exists() or tasks.filter(status="open").exists()


def test_surveys_reconciliations_and_ledger_invariants(district):
    surveys = Survey.objects.filter(school__bureau=district)
    assert surveys.exists()
    assert all(s.answer_count == SurveyReceipt.objects.filter(survey=s).count() for s in surveys)
    assert TimeReport.objects.filter(school_class__school__bureau=district).exists()
    # The bank's reconciliations match the ledger but for two, and the ledger still holds
    reconciliations = Reconciliation.objects.filter(account__institution__bureau=district)
    assert reconciliations.count() > 0
    assert 1 <= sum(1 for r in reconciliations if not r.matched) <= 2
    assert check_invariants() == []


def test_bureau_admin_reads_the_burden_report_and_complaint_statistics(district, client):
    admin = User.objects.create_user(username="dash-admin", name="区管理员")
    RoleAssignment.objects.create(user=admin, role=Role.BUREAU_ADMIN, bureau=district)
    client.force_login(admin)
    response = client.get(reverse("wellbeing:burden"), {"term": term_of(district).pk})
    assert response.status_code == 200
    assert client.get(reverse("complaints:statistics")).status_code == 200


def test_a_second_run_is_refused(district):
    with pytest.raises(CommandError, match="已有"):
        call_command("generate_term", bureau="980001", stdout=StringIO())


def test_an_unknown_district_is_refused():
    with pytest.raises(CommandError, match="找不到"):
        call_command("generate_term", bureau="989999", stdout=StringIO())
