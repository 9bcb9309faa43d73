"""The school evaluation pages (QM-2) through the web client, on real data.

District A of the cast has schools A1 (pupils P, Q in grade 4, R in grade 2) and A2 (pupil S in
grade 4). Both run a term programme for grades 2 and 4; P's guardian enrols P in the base
service, so A1's after-school participation is 1/3 and A2's 0. A complaint about A1 gives A1 the
worse complaints figure. The term spans today, so everything filed now falls in the period.
"""

import datetime as dt
import io
import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from afterschool import services as afterschool
from conftest import PASSWORD, fresh, has_chinese
from dashboards import evaluation
from dashboards.evaluation import AUDIT_CODE
from dashboards.models import EvaluationScheme
from org import services as org_services
from org.models import RoleAssignment, User
from org.roles import Role
from schoolcal.models import Term

TABLE = reverse("dashboards:evaluation")
WEIGHTS = reverse("dashboards:evaluation-weights")
ONLY_COMPLAINTS = {key: 100 if key == "complaints" else 0 for key in evaluation.BY_KEY}
ROW = re.compile(r'<tr data-school="(\d+)">\s*<td class="rank">([^<]*)</td>.*?'
                 r'<td class="total">(?:<strong>)?([^<]*)', re.S)


def _slots():
    """A "5+2" timetable: guidance and menu every weekday, ending 17:40 (AS-1, AS-2)."""
    return [{"weekday": day, "segment": segment, "grades": [2, 4], "start": start, "end": end}
            for day in range(1, 6)
            for segment, start, end in (("guidance", "15:40", "16:40"),
                                        ("menu", "16:40", "17:40"))]


def _school_admin(school, username):
    user = User.objects.create_user(username=username, password=PASSWORD, name="校长")
    RoleAssignment.objects.create(user=user, role=Role.SCHOOL_ADMIN, school=school)
    return fresh(user)


@pytest.fixture
def district(cast):
    """Programmes in A1 and A2 for this term; P enrolled in A1's base service; one complaint
    about A1."""
    from complaints import services as complaints

    today = timezone.localdate()
    term = Term.objects.create(bureau=cast.district_a, school_year=f"{today.year}-{today.year + 1}",
                               name="本学期", start=today - dt.timedelta(days=60),
                               end=today + dt.timedelta(days=60))
    admins = {cast.school_a1: fresh(cast.principal), cast.school_a2: _school_admin(
        cast.school_a2, "principal_a2")}
    for school, admin in admins.items():
        programme = afterschool.create_programme(actor=admin, school=school, term=term,
                                                 name="课后服务", slots=_slots(), grades=[2, 4])
        afterschool.open_programme(actor=admin, programme=programme)
        if school == cast.school_a1:
            afterschool.apply(actor=fresh(cast.guardian_p), programme=programme,
                              pupil=cast.pupil_p, base_service=True)
    complaints.file_complaint(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                              category="homework", subject="作业太多",
                              details="四年级每天作业超过两个小时，孩子睡得很晚。", anonymous=True,
                              school=cast.school_a1.pk)
    cast.term = term
    return cast


def _rows(response):
    """(school id, rank, total) of the table, in the page's order."""
    assert response.status_code == 200, response.content[:300]
    return [(int(pk), rank.strip(), total.strip())
            for pk, rank, total in ROW.findall(response.content.decode())]


def test_better_after_school_participation_ranks_higher(district, web_client, bureau_admin):
    # Given A1 with 1 of 3 pupils in after-school service and A2 with none
    # When the bureau admin opens the evaluation table
    response = web_client(bureau_admin).get(TABLE)
    # Then A1 comes first, each row with its rank and total, and the link to the school page
    rows = _rows(response)
    assert [r[0] for r in rows] == [district.school_a1.pk, district.school_a2.pk]
    assert [r[1] for r in rows] == ["1", "2"]
    assert float(rows[0][2]) > float(rows[1][2])
    page = response.content.decode()
    assert "33.3%" in page and "0.0%" in page  # the participation shares as %
    assert reverse("dashboards:school", args=[district.school_a1.pk]) in page
    assert "课后服务参与率" in page and "权重 15" in page  # weights in the header
    assert "计分方法" in page and 'data-chart="bar"' in page
    # Both rest on 35% of the weights (participation, training spend, five managements)
    assert page.count('<td class="coverage"><span class="badge amber">35%</span>') == 2
    assert district.school_b1.name not in page  # another district's school


def test_changing_the_weights_changes_the_ranking(district, web_client, bureau_admin):
    # Given the default ranking (A1 first)
    client = web_client(bureau_admin)
    assert _rows(client.get(TABLE))[0][0] == district.school_a1.pk
    # When the bureau admin weighs only complaints (A1 has one, A2 none)
    response = client.post(WEIGHTS, ONLY_COMPLAINTS)
    # Then the weights are stored and audited, and A2 now ranks first with 100
    assert response.status_code == 302
    assert EvaluationScheme.objects.get(bureau=district.district_a).weights == ONLY_COMPLAINTS
    entry = LogEntry.objects.get(additional_data__code=AUDIT_CODE)
    assert entry.actor == bureau_admin
    assert entry.changes_dict["complaints"] == [0, 100]
    rows = _rows(client.get(TABLE))
    assert rows[0][0] == district.school_a2.pk and rows[0][1:] == ("1", "100.0")
    assert rows[1][0] == district.school_a1.pk and rows[1][1:] == ("2", "0.0")
    assert "件/千人" in client.get(TABLE).content.decode()


def test_restore_defaults(district, web_client, bureau_admin):
    # Given weights that differ from the defaults
    client = web_client(bureau_admin)
    client.post(WEIGHTS, ONLY_COMPLAINTS)
    # When the bureau admin restores the defaults
    response = client.post(WEIGHTS, {"action": "reset"}, follow=True)
    # Then the defaults are stored and the page says so
    assert evaluation.weights_of(district.district_a) == evaluation.DEFAULT_WEIGHTS
    assert "已恢复默认权重" in response.content.decode()
    assert LogEntry.objects.filter(additional_data__code=AUDIT_CODE).count() == 2


@pytest.mark.parametrize("key, value, field", [
    ("after_school_participation", "-1", "after_school_participation"),
    ("after_school_participation", "101", "after_school_participation"),
    ("homework_within", "很多", "homework_within"),
    ("sleep", "", "sleep"),
    (None, None, None),  # all zero
])
def test_invalid_weights_are_refused_in_chinese_and_nothing_is_saved(
        cast, web_client, bureau_admin, key, value, field):
    # Given the default weights and a form with one bad value (or all zero)
    data = dict(evaluation.DEFAULT_WEIGHTS)
    if key is None:
        data = dict.fromkeys(data, 0)
    else:
        data[key] = value
    # When the bureau admin saves
    response = web_client(bureau_admin).post(WEIGHTS + f"?bureau={cast.district_a.pk}", data)
    # Then the form comes back with a Chinese error naming the rule, and nothing is stored
    assert response.status_code == 200
    errors = response.context["form"].errors
    message = (errors[field] if field else errors["__all__"])[0]
    assert has_chinese(message) and "QM-2" in message, message
    assert message in response.content.decode()
    assert not EvaluationScheme.objects.exists()
    assert not LogEntry.objects.filter(additional_data__code=AUDIT_CODE).exists()


def test_bureau_admin_sees_the_weights_their_sum_and_who_changed_them(cast, web_client,
                                                                     bureau_admin):
    client = web_client(bureau_admin)
    # Given no weights set, when the bureau admin opens the page, then the defaults, editable
    page = client.get(WEIGHTS).content.decode()
    assert "本区尚未设置，使用默认权重" in page and "保存权重" in page and "恢复默认" in page
    assert 'name="after_school_participation" value="15"' in page
    assert '<th id="weights-total">100</th>' in page and "重新归一" in page
    # When they save weights summing to 50, then the shares are re-normalised and shown
    weights = dict.fromkeys(evaluation.BY_KEY, 0) | {"homework_within": 40, "sleep": 10}
    response = client.post(WEIGHTS, weights, follow=True)
    page = response.content.decode()
    assert "已保存评价权重（9 项有变化）" in page
    assert '<th id="weights-total">50</th>' in page and "80.0%" in page and "20.0%" in page
    assert "最近由 局管理员" in page


def test_inspector_reads_the_weights_but_cannot_change_them(cast, web_client, inspector):
    # Given the district's inspector
    client = web_client(inspector)
    # When they open the weights page, then they see them read-only (no save button)
    page = client.get(WEIGHTS).content.decode()
    assert "课后服务参与率" in page and 'id="read-only"' in page
    assert "保存权重" not in page and "disabled" in page
    # When they post weights anyway, then 403 and nothing is stored
    assert client.post(WEIGHTS, ONLY_COMPLAINTS).status_code == 403
    assert client.post(WEIGHTS, {"action": "reset"}).status_code == 403
    assert not EvaluationScheme.objects.exists()
    # And the table is theirs to read
    assert client.get(TABLE).status_code == 200


@pytest.mark.parametrize("actor", ["principal", "teacher_a", "head_teacher_a", "guardian_p",
                                   "supervisor"])
def test_school_staff_families_and_supervisors_are_refused(cast, web_client, request, actor):
    client = web_client(request.getfixturevalue(actor))
    assert client.get(TABLE).status_code == 403
    assert client.get(WEIGHTS).status_code == 403
    assert client.post(WEIGHTS, ONLY_COMPLAINTS).status_code == 403
    assert not EvaluationScheme.objects.exists()


def test_another_district_is_not_found(cast, web_client, bureau_admin_b):
    # Given district B's bureau admin
    client = web_client(bureau_admin_b)
    # When they ask for district A, then it is not found; their own district shows B1 only
    a = f"?bureau={cast.district_a.pk}"
    assert client.get(TABLE + a).status_code == 404
    assert client.get(WEIGHTS + a).status_code == 404
    assert client.post(WEIGHTS + a, ONLY_COMPLAINTS).status_code == 404
    assert not EvaluationScheme.objects.exists()
    page = client.get(TABLE).content.decode()
    assert cast.school_b1.name in page and cast.school_a1.name not in page
    for junk in ("abc", "0", "-3", str(2**64)):
        assert client.get(TABLE + f"?bureau={junk}").status_code == 404


def test_export_has_the_rows_and_the_weights(district, web_client, bureau_admin):
    # When the bureau admin exports the table
    response = web_client(bureau_admin).get(TABLE + "?export=xlsx")
    # Then a workbook with the ranked schools and every indicator's weight
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["评价表", "权重"]
    table = list(book["评价表"].iter_rows(values_only=True))
    assert table[0][:5] == ("名次", "学校代码", "学校", "学段", "总分")
    assert "课后服务参与率（%，权重 15）" in table[0]
    assert [r[:3] for r in table[1:]] == [(1, "A1", "甲区第一小学"), (2, "A2", "甲区第二小学")]
    column = table[0].index("课后服务参与率（%，权重 15）")
    assert [r[column] for r in table[1:]] == [33.3, 0.0]
    assert [r[5] for r in table[1:]] == [35, 35]  # 计分权重占比（%）
    weights = list(book["权重"].iter_rows(values_only=True))
    assert weights[0] == ("指标", "规则", "权重", "说明")
    assert {r[0]: r[2] for r in weights[1:-1]} == {
        i.label: i.default_weight for i in evaluation.INDICATORS}
    assert weights[-1][:3] == ("合计", None, sum(evaluation.DEFAULT_WEIGHTS.values()))


def test_a_school_without_data_is_flagged_and_not_ranked(district, web_client, bureau_admin):
    # Given a new school in district A without classes or pupils
    empty = org_services.create_school(actor=fresh(bureau_admin), bureau=district.district_a,
                                       name="甲区新建小学", code="A9", stage="primary",
                                       system="6-3", ownership="public")
    client = web_client(bureau_admin)
    # When the bureau admin opens the table, then its missing indicators are named
    page = client.get(TABLE).content.decode()
    row = page.split(f'data-school="{empty.pk}"')[1].split("</tr>")[0]
    assert "数据不足：" in row and "课后服务参与率" in row and "生均预收费培训合同金额" in row
    # When only after-school participation counts, of which it has no figure
    client.post(WEIGHTS, {k: 100 if k == "after_school_participation" else 0
                          for k in evaluation.BY_KEY})
    # Then it is listed last without rank or total, the others still ranked
    rows = _rows(client.get(TABLE))
    assert rows[-1] == (empty.pk, "—", "—")
    assert [r[1] for r in rows[:2]] == ["1", "2"]
    # And the export lists it without a rank too
    book = load_workbook(io.BytesIO(client.get(TABLE + "?export=xlsx").content), read_only=True)
    last = list(book["评价表"].iter_rows(values_only=True))[-1]
    assert last[:5] == (None, "A9", "甲区新建小学", "小学", None)


def test_period_by_term_and_dates(district, web_client, inspector):
    client = web_client(inspector)
    # Given the term, when the inspector asks for it, then the period is the term to today
    page = client.get(TABLE + f"?term={district.term.pk}").content.decode()
    assert str(district.term) in page
    # When they give dates outside the term, then no after-school data is there
    start = district.term.start - dt.timedelta(days=400)
    response = client.get(TABLE + f"?start={start}&end={start + dt.timedelta(days=30)}")
    assert response.status_code == 200
    # An unknown term is not found; a bad date is ignored with a notice
    assert client.get(TABLE + "?term=999999").status_code == 404
    assert "无效" in client.get(TABLE + "?start=2026-13-45").content.decode()

