"""Roster import from Excel: every row is checked, then all rows are imported or none.

The sheet's first row holds the column titles (see ``COLUMNS``). Rows are validated in memory,
existing ID numbers and guardians are looked up in a few chunked queries, and the writes are
bulk inserts in one transaction, so 10,000 rows take seconds.
"""

from django.db import transaction
from ninja import Schema
from python_calamine import CalamineError, CalamineWorkbook

from audit.actions import log_action
from core.access import require
from core.errors import RuleViolation
from org.models import Guardian, Guardianship, Pupil, SchoolClass
from org.roles import Role
from org.validators import clean_id_number, clean_name, clean_phone

# column title → field; the first title is the one in the template.
COLUMNS = {
    "姓名": "name", "学生姓名": "name",
    "性别": "gender",
    "身份证号": "id_number", "身份证号码": "id_number",
    "学籍号": "student_no",
    "年级": "grade",
    "班号": "number", "班级": "number",
    "家长姓名": "guardian_name", "监护人姓名": "guardian_name",
    "家长手机号": "guardian_phone", "监护人手机号": "guardian_phone", "联系电话": "guardian_phone",
    "与学生关系": "relation", "关系": "relation",
}
TEMPLATE_HEADER = ["姓名", "性别", "身份证号", "学籍号", "年级", "班号", "家长姓名", "家长手机号",
                   "与学生关系"]
REQUIRED = {"name": "姓名", "gender": "性别", "id_number": "身份证号", "grade": "年级",
            "number": "班号"}
GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F"}
RELATIONS = {"父亲": "father", "母亲": "mother", "祖父母": "grandparent", "外祖父母": "grandparent",
             "祖父母/外祖父母": "grandparent", "爷爷": "grandparent", "奶奶": "grandparent",
             "外公": "grandparent", "外婆": "grandparent", "其他": "other", "": "other"}
MAX_ROWS = 50_000
CHUNK = 900  # stays below SQLite's bound-parameter limit on old builds


class RowError(Schema):
    row: int
    field: str | None = None
    message: str


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _int(value):
    text = _text(value).removesuffix("年级").removesuffix("班")
    digits = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if text in digits:
        return digits[text]
    return int(text)


def read_rows(upload):
    """The sheet's rows as dicts keyed by field, with their 1-based Excel row numbers."""
    try:
        book = CalamineWorkbook.from_filelike(upload)
        sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, IndexError):
        raise RuleViolation("invalid", "无法读取文件：请上传 Excel (.xlsx) 格式的名册。", "file") \
            from None
    if not sheet:
        raise RuleViolation("invalid", "名册为空。", "file")
    header = [COLUMNS.get(_text(h)) for h in sheet[0]]
    missing = [label for field, label in REQUIRED.items() if field not in header]
    if missing:
        raise RuleViolation("invalid", f"名册缺少必需的列：{'、'.join(missing)}。"
                            f"第一行应为：{'、'.join(TEMPLATE_HEADER)}。", "file")
    rows = []
    for index, values in enumerate(sheet[1:], start=2):
        if not any(_text(v) for v in values):
            continue
        rows.append((index, {f: v for f, v in zip(header, values, strict=False) if f}))
    if len(rows) > MAX_ROWS:
        raise RuleViolation("invalid", f"单次最多导入 {MAX_ROWS} 行，请拆分文件。", "file")
    if not rows:
        raise RuleViolation("invalid", "名册中没有学生数据。", "file")
    return rows


def _validate(school, rows):
    """Clean every row; return (clean rows, errors). Never stops at the first bad row."""
    grades = set(school.grades)
    clean, errors, seen = [], [], {}
    for line, raw in rows:
        row, problems = {"line": line}, []
        try:
            row["name"] = clean_name(_text(raw.get("name")))
        except RuleViolation as e:
            problems.append(("name", e.message))
        try:
            if isinstance(raw.get("id_number"), float):
                raise RuleViolation("invalid", "身份证号被 Excel 存成了数字，"
                                    "请将该列设为文本格式后重新填写。", "id_number")
            row["id_number"] = clean_id_number(_text(raw.get("id_number")))
        except RuleViolation as e:
            problems.append(("id_number", e.message))
        gender = GENDERS.get(_text(raw.get("gender")))
        if gender is None:
            problems.append(("gender", "性别应填写“男”或“女”。"))
        row["gender"] = gender
        try:
            row["grade"] = _int(raw.get("grade"))
            if row["grade"] not in grades:
                problems.append(("grade", f"本校不设{row['grade']}年级。"))
        except ValueError:
            problems.append(("grade", "年级应为 1–9 的数字。"))
        try:
            row["number"] = _int(raw.get("number"))
            if not 1 <= row["number"] <= 50:
                problems.append(("number", "班号应为 1–50。"))
        except ValueError:
            problems.append(("number", "班号应为数字。"))
        row["student_no"] = _text(raw.get("student_no"))[:30]
        guardian_name, phone = _text(raw.get("guardian_name")), _text(raw.get("guardian_phone"))
        row["guardian_name"], row["guardian_phone"] = guardian_name, ""
        if guardian_name or phone:
            if not guardian_name:
                problems.append(("guardian_name", "填写了家长手机号时，家长姓名不能为空。"))
            try:
                row["guardian_phone"] = clean_phone(phone, "guardian_phone")
            except RuleViolation as e:
                problems.append(("guardian_phone", e.message))
        relation = RELATIONS.get(_text(raw.get("relation")))
        if relation is None:
            problems.append(("relation", "与学生关系应为 父亲、母亲、祖父母/外祖父母 或 其他。"))
        row["relation"] = relation or "other"
        if "id_number" in row:
            first = seen.setdefault(row["id_number"], line)
            if first != line:
                problems.append(("id_number", f"身份证号与第 {first} 行重复。"))
        errors += [{"row": line, "field": f, "message": m} for f, m in problems]
        if not problems:
            clean.append(row)
    # ID numbers already on any school's roll (a pupil has one roll place).
    ids = list(seen)
    existing = set()
    for start in range(0, len(ids), CHUNK):
        existing.update(Pupil.objects.filter(id_number__in=ids[start:start + CHUNK])
                        .values_list("id_number", flat=True))
    for row in clean:
        if row["id_number"] in existing:
            errors.append({"row": row["line"], "field": "id_number",
                           "message": "该身份证号的学生已在学籍中，不能重复导入。"})
    errors.sort(key=lambda e: e["row"])
    return clean, errors


@transaction.atomic
def import_roster(*, actor, school, upload):
    """Import a school's pupils and guardians from an .xlsx roster: all rows or none."""
    require(actor, "create", Pupil)
    scope = actor.scope
    if not (school.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN)
            or school.pk in scope.admin_school_ids):
        raise RuleViolation("forbidden_unit", "只能为本人管辖的学校导入名册。", "school")
    clean, errors = _validate(school, read_rows(upload))
    if errors:
        bad_rows = len({e["row"] for e in errors})
        raise RuleViolation("roster_invalid", f"名册中有 {bad_rows} 行存在错误，未导入任何数据。"
                            "请按提示修改后重新上传。", "file", rows=errors)

    classes = {(c.grade, c.number): c for c in SchoolClass.objects.filter(school=school)}
    new_classes = [SchoolClass(school=school, grade=g, number=n)
                   for g, n in sorted({(r["grade"], r["number"]) for r in clean} - set(classes))]
    SchoolClass.objects.bulk_create(new_classes)
    classes.update({(c.grade, c.number): c for c in SchoolClass.objects.filter(school=school)})

    pupils = Pupil.objects.bulk_create(
        [Pupil(school=school, school_class=classes[(r["grade"], r["number"])], name=r["name"],
               gender=r["gender"], id_number=r["id_number"], student_no=r["student_no"])
         for r in clean], batch_size=1000)
    if not all(p.pk for p in pupils):  # backends without RETURNING: read the ids back
        by_id = dict(Pupil.objects.filter(school=school).values_list("id_number", "pk"))
        for p in pupils:
            p.pk = by_id[p.id_number]

    phones = sorted({r["guardian_phone"] for r in clean if r["guardian_phone"]})
    guardians = {}
    for start in range(0, len(phones), CHUNK):
        for g in Guardian.objects.filter(phone__in=phones[start:start + CHUNK]).order_by("pk"):
            guardians.setdefault(g.phone, g)
    names = {r["guardian_phone"]: r["guardian_name"] for r in clean if r["guardian_phone"]}
    new_guardians = [Guardian(name=names[p], phone=p) for p in phones if p not in guardians]
    Guardian.objects.bulk_create(new_guardians, batch_size=1000)
    if new_guardians:
        for start in range(0, len(phones), CHUNK):
            for g in Guardian.objects.filter(phone__in=phones[start:start + CHUNK]).order_by("pk"):
                guardians.setdefault(g.phone, g)
    Guardianship.objects.bulk_create(
        [Guardianship(guardian=guardians[r["guardian_phone"]], pupil=p, relation=r["relation"])
         for r, p in zip(clean, pupils, strict=True) if r["guardian_phone"]],
        batch_size=1000, ignore_conflicts=True)

    log_action(school, "org.roster.imported", actor=actor, kind="create",
               data={"pupils": len(pupils), "classes_created": len(new_classes),
                     "guardians_created": len(new_guardians)})
    return {"imported": len(pupils), "classes_created": len(new_classes),
            "guardians_created": len(new_guardians)}
