"""Roster import from Excel, through the API and the web page: all rows or none."""

import io

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from conftest import assert_error, has_chinese, make_id_number
from org.models import Guardian, Guardianship, Pupil, SchoolClass

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["姓名", "性别", "身份证号", "学籍号", "年级", "班号", "家长姓名", "家长手机号",
          "与学生关系"]


def xlsx(rows, header=HEADER, id_as_text=True, name="roster.xlsx"):
    """An in-memory .xlsx with the header row and ``rows``; ID numbers as text cells."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if id_as_text:
        for cell in sheet["C"]:
            cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX)


def counts():
    return (Pupil.objects.count(), Guardian.objects.count(), Guardianship.objects.count(),
            SchoolClass.objects.count())


def valid_rows():
    return [
        ["王一", "男", make_id_number(601), "G601", 4, 1, "王爸爸", "13900000001", "父亲"],
        ["王二", "女", make_id_number(602), "", 3, 2, "王爸爸", "13900000001", "父亲"],
        # an existing guardian (P's), grade and class written the Chinese way
        ["李三", "男", make_id_number(603), "", "三年级", "2班", "张小明家长", "13812345678", "母亲"],
    ]


def bad_rows(cast):
    """A good row, then one bad row per kind of mistake (Excel rows 3–8)."""
    good = make_id_number(701)
    wrong_check = make_id_number(702)[:-1] + ("0" if make_id_number(702)[-1] != "0" else "1")
    return [
        ["好学生", "男", good, "", 4, 3, "好家长", "13900000002", "母亲"],            # row 2
        ["校验错", "男", wrong_check, "", 4, 1, "", "", ""],                          # row 3
        ["手机错", "女", make_id_number(703), "", 4, 1, "某家长", "1234", "父亲"],     # row 4
        ["", "男", make_id_number(704), "", 4, 1, "", "", ""],                        # row 5
        ["重复", "男", good, "", 4, 1, "", "", ""],                                    # row 6
        ["已在籍", "女", cast.pupil_p.id_number, "", 4, 1, "", "", ""],                # row 7
        ["七年级", "男", make_id_number(707), "", 7, 1, "", "", ""],                   # row 8
    ]


BAD_CELLS = {(3, "id_number"), (4, "guardian_phone"), (5, "name"), (6, "id_number"),
             (7, "id_number"), (8, "grade")}


def _post_api(client, school, upload):
    return client.post(f"/api/v1/schools/{school.pk}/roster", {"file": upload})


# ---- API ---------------------------------------------------------------------------------

def test_valid_roster_imports_every_row(cast, principal, api_client):
    # Given a valid roster of three pupils for school A1 (one in a class that does not exist)
    before = counts()
    # When the principal uploads it
    response = _post_api(api_client(principal), cast.school_a1, xlsx(valid_rows()))
    # Then every pupil, the new guardian, the links and the new class are created
    assert response.status_code == 201, response.content
    assert response.json() == {"imported": 3, "classes_created": 1, "guardians_created": 1}
    assert counts() == (before[0] + 3, before[1] + 1, before[2] + 3, before[3] + 1)
    new_class = SchoolClass.objects.get(school=cast.school_a1, grade=3, number=2)
    assert set(new_class.pupils.values_list("name", flat=True)) == {"王二", "李三"}
    wang = Guardian.objects.get(phone="13900000001")
    assert set(wang.pupils.values_list("name", flat=True)) == {"王一", "王二"}
    existing = Guardian.objects.get(phone="13812345678")
    assert set(existing.pupils.values_list("name", flat=True)) == {"张小明", "李三"}
    # and one audit entry records the import
    entries = LogEntry.objects.filter(additional_data__code="org.roster.imported")
    assert entries.count() == 1
    assert entries.get().actor_id == principal.pk
    assert entries.get().additional_data["pupils"] == 3


def test_roster_with_bad_rows_lists_every_row_and_imports_nothing(cast, principal, api_client):
    # Given a roster with one good row and six bad ones
    before = counts()
    # When the principal uploads it
    response = _post_api(api_client(principal), cast.school_a1, xlsx(bad_rows(cast)))
    # Then it is refused with every bad row, its Excel row number and its field
    body = assert_error(response, 422, "roster_invalid")
    cells = {(e["row"], e["field"]) for e in body["rows"]}
    assert cells == BAD_CELLS
    assert all(has_chinese(e["message"]) for e in body["rows"])
    # and nothing at all was imported, not even the good row or its new class
    assert counts() == before
    assert not Pupil.objects.filter(name="好学生").exists()
    assert not SchoolClass.objects.filter(school=cast.school_a1, grade=4, number=3).exists()
    assert not LogEntry.objects.filter(additional_data__code="org.roster.imported").exists()


def test_id_number_stored_as_a_number_cell_is_a_row_error(cast, principal, api_client):
    # Given a roster whose ID number cell is a number (Excel rounds such cells)
    rows = [["数字号", "男", int(make_id_number(801)[:-1] + "1"), "", 4, 1, "", "", ""]]
    before = counts()
    # When it is uploaded
    response = _post_api(api_client(principal), cast.school_a1, xlsx(rows, id_as_text=False))
    # Then row 2's id_number is reported and nothing is imported
    body = assert_error(response, 422, "roster_invalid")
    assert {(e["row"], e["field"]) for e in body["rows"]} == {(2, "id_number")}
    assert counts() == before


def test_a_file_that_is_not_xlsx_is_refused(cast, principal, api_client):
    upload = SimpleUploadedFile("roster.xlsx", "姓名,性别\n张三,男\n".encode(),
                                content_type="text/csv")
    before = counts()
    response = _post_api(api_client(principal), cast.school_a1, upload)
    assert_error(response, 422, "invalid", "file")
    assert counts() == before


def test_a_missing_required_column_is_refused(cast, principal, api_client):
    header = [h for h in HEADER if h != "身份证号"]
    rows = [[v for i, v in enumerate(r) if i != 2] for r in valid_rows()]
    before = counts()
    response = _post_api(api_client(principal), cast.school_a1, xlsx(rows, header=header))
    body = assert_error(response, 422, "invalid", "file")
    assert "身份证号" in body["message"]
    assert counts() == before


def test_principal_cannot_import_into_another_school(cast, principal, api_client):
    before = counts()
    response = _post_api(api_client(principal), cast.school_a2, xlsx(valid_rows()))
    assert_error(response, 404, "not_found")
    assert counts() == before


def test_bureau_admin_of_another_district_cannot_import(cast, bureau_admin_b, api_client):
    before = counts()
    response = _post_api(api_client(bureau_admin_b), cast.school_a1, xlsx(valid_rows()))
    assert_error(response, 404, "not_found")
    assert counts() == before


def test_teacher_cannot_import_a_roster(cast, teacher_a, api_client):
    before = counts()
    response = _post_api(api_client(teacher_a), cast.school_a1, xlsx(valid_rows()))
    assert_error(response, 403, "forbidden")
    assert counts() == before


def test_bureau_admin_imports_into_a_school_of_the_district(cast, bureau_admin, api_client):
    response = _post_api(api_client(bureau_admin), cast.school_a2, xlsx(valid_rows()))
    assert response.status_code == 201, response.content
    assert Pupil.objects.filter(school=cast.school_a2, name="王一").exists()


# ---- web page ----------------------------------------------------------------------------

def test_web_import_of_a_valid_roster(cast, principal, web_client):
    # Given the principal on the roster page
    before = counts()
    # When they upload a valid file for their school
    response = web_client(principal).post("/org/roster/", {"school": cast.school_a1.pk,
                                                           "file": xlsx(valid_rows())})
    # Then they are sent to the school page and every row was imported
    assert response.status_code == 302
    assert response["Location"] == f"/org/schools/{cast.school_a1.pk}/"
    assert counts()[0] == before[0] + 3
    assert LogEntry.objects.filter(additional_data__code="org.roster.imported").count() == 1


def test_web_import_shows_the_row_error_table_and_imports_nothing(cast, principal, web_client):
    before = counts()
    response = web_client(principal).post("/org/roster/", {"school": cast.school_a1.pk,
                                                           "file": xlsx(bad_rows(cast))})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="row-errors"' in page
    table = page[page.index('id="row-errors"'):]
    for row, _field in BAD_CELLS:
        assert f"<td>{row}</td>" in table
    assert "<td>2</td>" not in table  # the good row is not listed
    assert counts() == before


def test_web_import_of_a_non_xlsx_file_shows_a_form_error(cast, principal, web_client):
    upload = SimpleUploadedFile("roster.xlsx", b"not a spreadsheet", content_type=XLSX)
    before = counts()
    response = web_client(principal).post("/org/roster/", {"school": cast.school_a1.pk,
                                                           "file": upload})
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()
    assert counts() == before


def test_web_principal_cannot_choose_another_school(cast, principal, web_client):
    # Given the principal of A1; when they post a roster for school A2
    before = counts()
    response = web_client(principal).post("/org/roster/", {"school": cast.school_a2.pk,
                                                           "file": xlsx(valid_rows())})
    # Then the school is not a valid choice and nothing is imported
    assert response.status_code == 200
    assert response.context["form"].errors.get("school")
    assert counts() == before


@pytest.mark.parametrize("actor", ["teacher_a", "head_teacher_a", "guardian_p"])
def test_web_roster_import_is_forbidden_to_non_admins(actor, cast, web_client, request):
    before = counts()
    response = web_client(request.getfixturevalue(actor)).post(
        "/org/roster/", {"school": cast.school_a1.pk, "file": xlsx(valid_rows())})
    assert response.status_code == 403
    assert counts() == before


def test_roster_template_round_trips_through_the_import(cast, principal, web_client, api_client):
    # Given the downloadable template (its example row is a valid pupil)
    template = web_client(principal).get("/org/roster/template.xlsx")
    assert template.status_code == 200
    assert template["Content-Type"] == XLSX
    # When it is uploaded as is; then its example row is imported
    upload = SimpleUploadedFile("template.xlsx", template.content, content_type=XLSX)
    response = _post_api(api_client(principal), cast.school_a1, upload)
    assert response.status_code == 201, response.content
    assert response.json()["imported"] == 1
