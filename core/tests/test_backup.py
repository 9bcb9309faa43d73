"""Back up, wipe, restore: the data is identical, ledger and audit log included, on SQLite and
(in CI's second run) on PostgreSQL, through the management commands operators use."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from afterschool.tests.conftest import five_plus_two
from org.models import Pupil

pytestmark = pytest.mark.django_db(transaction=True)

SKIP = ["contenttypes", "auth.permission", "sessions", "django_tasks_database"]


def snapshot():
    out = StringIO()
    call_command("dumpdata", exclude=SKIP, stdout=out, indent=None, natural_foreign=False)
    rows = json.loads(out.getvalue())
    return sorted(rows, key=lambda r: (r["model"], str(r["pk"])))


@pytest.fixture
def district(cast, principal, guardian_p, supervisor):
    """The cast plus an after-school term with an application and an institution's ledger."""
    from afterschool import services as afterschool
    from institutions import services as institutions
    from schoolcal.models import Term

    term = Term.objects.create(bureau=cast.district_a, school_year="2026-2027", name="第一学期",
                               start="2026-09-01", end="2027-01-22")
    programme = afterschool.create_programme(actor=principal, school=cast.school_a1, term=term,
                                             name="课后服务", slots=five_plus_two(),
                                             grades=[2, 4])
    institutions.issue_card(actor=supervisor, institution=cast.institution_2, colour="yellow",
                            reason="超时培训")
    return programme


def test_backup_wipe_restore_gives_back_the_same_data(district, tmp_path):
    before = snapshot()
    assert any(r["model"] == "institutions.institutionversion" for r in before)
    path = str(tmp_path / "shuangjian.backup")
    call_command("backup_db", path, stdout=StringIO())
    call_command("flush", interactive=False, verbosity=0)
    assert Pupil.objects.count() == 0
    call_command("restore_db", path, "--yes", stdout=StringIO())
    assert snapshot() == before


def test_restore_needs_confirmation_and_an_existing_file(db, tmp_path):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore_db", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="no such backup file"):
        call_command("restore_db", str(tmp_path / "missing"), "--yes")
