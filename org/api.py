"""API for the organisation tree: schools, classes, teachers, pupils and roster import."""

from django.db.models import Prefetch
from django.http import Http404
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, errors
from core.access import can, get_for, require, visible
from org import accounts, roster, services
from org.models import Bureau, Guardian, Pupil, School, SchoolClass, Teacher, User

router = Router(tags=["组织机构"])


# ---- schools -------------------------------------------------------------------------------

class SchoolOut(Schema):
    id: int
    name: str
    code: str
    bureau: int = Field(..., alias="bureau_id")
    stage: str = Field(..., description="学段：primary 小学 / junior 初中 / nine_year 九年一贯制")
    system: str = Field(..., description="学制：6-3 六三制 / 5-4 五四制（XC-1）")
    ownership: str = Field(..., description="public 公办 / private 民办")
    address: str


class SchoolIn(Schema):
    name: str
    code: str
    stage: str
    system: str = "6-3"
    ownership: str = "public"
    address: str = ""
    bureau: int | None = Field(None, description="所属教育局，默认为本人所在局")


class SchoolPatch(Schema):
    name: str | None = None
    code: str | None = None
    stage: str | None = None
    system: str | None = None
    ownership: str | None = None
    address: str | None = None


@router.get("/schools", response={200: list[SchoolOut], **READ_ERRORS}, summary="学校列表")
@paginate(LimitOffsetPagination)
def list_schools(request, stage: str | None = None, bureau: int | None = None):
    qs = visible(request.user, School).order_by("pk")
    if stage:
        qs = qs.filter(stage=stage)
    if bureau:
        qs = qs.filter(bureau_id=bureau)
    return qs


@router.get("/schools/{school_id}", response={200: SchoolOut, **READ_ERRORS}, summary="学校详情")
def get_school(request, school_id: int):
    return get_for(request.user, School, school_id)


@router.post("/schools", response={201: SchoolOut, **WRITE_ERRORS}, summary="新建学校")
def create_school(request, payload: SchoolIn):
    require(request.user, "create", School)
    data = payload.dict()
    bureau_id = data.pop("bureau") or request.user.scope.home_bureau_id
    bureau = get_for(request.user, Bureau, bureau_id)
    return Status(201, services.create_school(actor=request.user, bureau=bureau, **data))


@router.patch("/schools/{school_id}", response={200: SchoolOut, **WRITE_ERRORS},
              summary="修改学校")
def update_school(request, school_id: int, payload: SchoolPatch):
    school = get_for(request.user, School, school_id, "change")
    return services.update_school(actor=request.user, school=school, **payload.dict())


# ---- classes -------------------------------------------------------------------------------

class ClassOut(Schema):
    id: int
    name: str
    grade: int
    number: int
    school: int = Field(..., alias="school_id")
    school_name: str = Field(..., alias="school.name")
    stage: str = Field(..., description="该年级所属学段（XC-1）")
    head_teacher: int | None = Field(None, alias="head_teacher_id")


class ClassIn(Schema):
    school: int
    grade: int = Field(..., ge=1, le=9)
    number: int = Field(..., ge=1, le=50)
    head_teacher: int | None = None


class ClassPatch(Schema):
    number: int | None = Field(None, ge=1, le=50)
    head_teacher: int | None = None


@router.get("/classes", response={200: list[ClassOut], **READ_ERRORS},
            summary="班级列表（本人可见范围）")
@paginate(LimitOffsetPagination)
def list_classes(request, school: int | None = None, grade: int | None = None):
    qs = visible(request.user, SchoolClass).select_related("school").order_by(
        "school_id", "grade", "number")
    if school:
        qs = qs.filter(school_id=school)
    if grade:
        qs = qs.filter(grade=grade)
    return qs


@router.get("/classes/{class_id}", response={200: ClassOut, **READ_ERRORS}, summary="班级详情")
def get_class(request, class_id: int):
    return get_for(request.user, SchoolClass, class_id,
                   queryset=SchoolClass.objects.select_related("school"))


def _teacher_of(request, school, teacher_id):
    if teacher_id is None:
        return None
    teacher = Teacher.objects.visible_to(request.user).filter(pk=teacher_id,
                                                              school=school).first()
    if teacher is None:
        from core.errors import RuleViolation

        raise RuleViolation("invalid", "班主任必须是本校教师。", "head_teacher")
    return teacher


@router.post("/classes", response={201: ClassOut, **WRITE_ERRORS}, summary="新建班级")
def create_class(request, payload: ClassIn):
    school = get_for(request.user, School, payload.school)
    teacher = _teacher_of(request, school, payload.head_teacher)
    return Status(201, services.create_class(actor=request.user, school=school, grade=payload.grade,
                                      number=payload.number, head_teacher=teacher))


@router.patch("/classes/{class_id}", response={200: ClassOut, **WRITE_ERRORS},
              summary="修改班级（班号、班主任）")
def update_class(request, class_id: int, payload: ClassPatch):
    school_class = get_for(request.user, SchoolClass, class_id, "change")
    changes = payload.dict(exclude_unset=True)
    if "head_teacher" in changes:
        changes["head_teacher"] = _teacher_of(request, school_class.school, payload.head_teacher)
    return services.update_class(actor=request.user, school_class=school_class, **changes)


# ---- teachers ------------------------------------------------------------------------------

class AssignmentIO(Schema):
    school_class: int
    subject: str = Field(..., description="学科代码，如 maths、chinese")


class TeacherOut(Schema):
    id: int
    name: str
    school: int = Field(..., alias="school_id")
    gender: str
    staff_no: str
    phone: str = Field(..., description="手机号（已脱敏）")
    id_number: str = Field(..., description="身份证号（已脱敏）")
    assignments: list[AssignmentIO]

    @staticmethod
    def resolve_phone(obj):
        return obj.phone_masked

    @staticmethod
    def resolve_id_number(obj):
        return obj.id_number_masked

    @staticmethod
    def resolve_assignments(obj):
        return [{"school_class": a.school_class_id, "subject": a.subject}
                for a in obj.assignments.all()]


class TeacherIn(Schema):
    school: int
    name: str
    gender: str = ""
    id_number: str = ""
    phone: str = ""
    staff_no: str = ""
    assignments: list[AssignmentIO] = []


class TeacherPatch(Schema):
    name: str | None = None
    gender: str | None = None
    id_number: str | None = None
    phone: str | None = None
    staff_no: str | None = None
    assignments: list[AssignmentIO] | None = None


def _assignments(request, school, items):
    ids = [a.school_class for a in items if 0 < a.school_class < 2**63]
    classes = {c.pk: c for c in SchoolClass.objects.filter(school=school, pk__in=ids)}
    missing = [a.school_class for a in items if a.school_class not in classes]
    if missing:
        from core.errors import RuleViolation

        raise RuleViolation("invalid", f"班级不存在或不属于该校：{missing}。", "assignments")
    return [(classes[a.school_class], a.subject) for a in items]


@router.get("/teachers", response={200: list[TeacherOut], **READ_ERRORS}, summary="教职工列表")
@paginate(LimitOffsetPagination)
def list_teachers(request, school: int | None = None):
    qs = visible(request.user, Teacher).prefetch_related("assignments").order_by("pk")
    if school:
        qs = qs.filter(school_id=school)
    return qs


@router.post("/teachers", response={201: TeacherOut, **WRITE_ERRORS}, summary="新建教职工")
def create_teacher(request, payload: TeacherIn):
    school = get_for(request.user, School, payload.school)
    data = payload.dict(exclude={"school", "assignments"})
    pairs = _assignments(request, school, payload.assignments)
    return Status(201, services.create_teacher(actor=request.user, school=school, assignments=pairs,
                                        **data))


@router.patch("/teachers/{teacher_id}", response={200: TeacherOut, **WRITE_ERRORS},
              summary="修改教职工")
def update_teacher(request, teacher_id: int, payload: TeacherPatch):
    teacher = get_for(request.user, Teacher, teacher_id, "change")
    data = payload.dict(exclude={"assignments"})
    pairs = None if payload.assignments is None else \
        _assignments(request, teacher.school, payload.assignments)
    return services.update_teacher(actor=request.user, teacher=teacher, assignments=pairs, **data)


# ---- pupils --------------------------------------------------------------------------------

class GuardianOut(Schema):
    id: int
    name: str
    phone: str = Field(..., description="手机号（按角色脱敏）")


class PupilOut(Schema):
    id: int
    name: str
    gender: str
    school: int = Field(..., alias="school_id")
    school_class: int = Field(..., alias="school_class_id")
    student_no: str
    id_number: str = Field(..., description="身份证号（已脱敏；完整号码见 /pupils/{id}/id-number）")
    guardians: list[GuardianOut]

    @staticmethod
    def resolve_id_number(obj):
        return obj.id_number_masked

    @staticmethod
    def resolve_guardians(obj, context):
        show_phone = getattr(obj, "_show_phone", False)
        return [{"id": g.id, "name": g.name, "phone": g.phone if show_phone else g.phone_masked}
                for g in obj.guardians.all()]


class GuardianIn(Schema):
    name: str
    phone: str
    relation: str = "other"


class PupilIn(Schema):
    school_class: int
    name: str
    gender: str = Field(..., description="M 男 / F 女")
    id_number: str
    student_no: str = ""
    guardians: list[GuardianIn] = []


class PupilPatch(Schema):
    school_class: int | None = None
    name: str | None = None
    gender: str | None = None
    id_number: str | None = None
    student_no: str | None = None


def _pupils(request):
    return visible(request.user, Pupil).prefetch_related(
        Prefetch("guardians", queryset=Guardian.objects.order_by("pk")))


def _mark_phones(request, pupils):
    """Head teachers and school/bureau admins see guardians' phones in full; others masked."""
    scope = request.user.scope
    for p in pupils:
        p._show_phone = (p.school_class_id in scope.head_class_ids
                         or p.school_id in scope.admin_school_ids
                         or p.pk in scope.pupil_ids
                         or can(request.user, "reveal", p))
    return pupils


@router.get("/pupils", response={200: list[PupilOut], **READ_ERRORS},
            summary="学生列表（身份证号、手机号已脱敏）")
@paginate(LimitOffsetPagination)
def list_pupils(request, school_class: int | None = None, school: int | None = None,
                name: str | None = None):
    qs = _pupils(request).order_by("school_class_id", "pk")
    if school_class:
        qs = qs.filter(school_class_id=school_class)
    if school:
        qs = qs.filter(school_id=school)
    if name:
        qs = qs.filter(name__contains=name)
    return qs


@router.get("/pupils/{pupil_id}", response={200: PupilOut, **READ_ERRORS}, summary="学生详情")
def get_pupil(request, pupil_id: int):
    pupil = get_for(request.user, Pupil, pupil_id, queryset=Pupil.objects.prefetch_related(
        Prefetch("guardians", queryset=Guardian.objects.order_by("pk"))))
    return _mark_phones(request, [pupil])[0]


class IdNumberOut(Schema):
    id: int
    id_number: str


@router.get("/pupils/{pupil_id}/id-number", response={200: IdNumberOut, **READ_ERRORS},
            summary="查看完整身份证号（记录审计日志）")
def reveal_pupil_id_number(request, pupil_id: int):
    pupil = get_for(request.user, Pupil, pupil_id, "reveal",
                    queryset=Pupil.objects.select_related("school"))
    return {"id": pupil.pk, "id_number": services.reveal_id_number(actor=request.user,
                                                                   pupil=pupil)}


@router.post("/pupils", response={201: PupilOut, **WRITE_ERRORS}, summary="新建学生")
def create_pupil(request, payload: PupilIn):
    school_class = get_for(request.user, SchoolClass, payload.school_class,
                           queryset=SchoolClass.objects.select_related("school"))
    data = payload.dict(exclude={"school_class", "guardians"})
    guardians = [(g.name, g.phone, g.relation) for g in payload.guardians]
    pupil = services.create_pupil(actor=request.user, school_class=school_class,
                                  guardians=guardians, **data)
    return Status(201, _mark_phones(request, [pupil])[0])


@router.patch("/pupils/{pupil_id}", response={200: PupilOut, **WRITE_ERRORS}, summary="修改学生")
def update_pupil(request, pupil_id: int, payload: PupilPatch):
    pupil = get_for(request.user, Pupil, pupil_id, "change",
                    queryset=Pupil.objects.select_related("school"))
    data = payload.dict()
    if data["school_class"] is not None:
        data["school_class"] = get_for(request.user, SchoolClass, data["school_class"])
    pupil = services.update_pupil(actor=request.user, pupil=pupil, **data)
    return _mark_phones(request, [pupil])[0]


class ImportOut(Schema):
    imported: int
    classes_created: int
    guardians_created: int


class ImportErrorOut(ErrorOut):
    rows: list[roster.RowError] = []


@router.post("/schools/{school_id}/roster", summary="从 Excel 导入学生名册（全部成功或全部不导入）",
             response={201: ImportOut, 422: ImportErrorOut, **errors(400, 401, 403, 404, 409)})
def import_roster(request, school_id: int, file: File[UploadedFile]):
    school = get_for(request.user, School, school_id)
    result = roster.import_roster(actor=request.user, school=school, upload=file)
    return Status(201, result)



# ---- accounts and roles --------------------------------------------------------------------

class RoleAssignmentOut(Schema):
    id: int
    role: str
    bureau: int | None = Field(None, alias="bureau_id")
    school: int | None = Field(None, alias="school_id")
    grade: int | None = None
    institution: int | None = Field(None, alias="institution_id")


class UserOut(Schema):
    id: int
    username: str
    name: str
    is_active: bool
    role_assignments: list[RoleAssignmentOut]

    @staticmethod
    def resolve_role_assignments(obj):
        return list(obj.role_assignments.all())


class CredentialsIn(Schema):
    username: str
    password: str


class RoleIn(Schema):
    role: str = Field(..., description="bureau_admin / supervisor / inspector / custodian_bank / "
                                       "school_admin / grade_leader / institution_staff")
    bureau: int | None = None
    school: int | None = None
    grade: int | None = Field(None, ge=1, le=9)
    institution: int | None = None


@router.get("/users", response={200: list[UserOut], **READ_ERRORS}, summary="账号列表（管辖范围内）")
@paginate(LimitOffsetPagination)
def list_users(request, q: str | None = None):
    qs = visible(request.user, User).prefetch_related("role_assignments").order_by("username")
    if q:
        qs = qs.filter(username__contains=q)
    return qs


@router.post("/teachers/{teacher_id}/account", response={201: UserOut, **WRITE_ERRORS},
             summary="为教职工开通登录账号")
def open_teacher_account(request, teacher_id: int, payload: CredentialsIn):
    teacher = get_for(request.user, Teacher, teacher_id, "change",
                      queryset=Teacher.objects.select_related("school"))
    return Status(201, accounts.open_teacher_account(actor=request.user, teacher=teacher,
                                              **payload.dict()))


@router.post("/users/{user_id}/roles", response={201: RoleAssignmentOut, **WRITE_ERRORS},
             summary="分配角色")
def grant_role(request, user_id: int, payload: RoleIn):
    from institutions.models import Institution

    user = get_for(request.user, User, user_id, "change")
    units = {
        "bureau": get_for(request.user, Bureau, payload.bureau) if payload.bureau else None,
        "school": get_for(request.user, School, payload.school) if payload.school else None,
        "institution": get_for(request.user, Institution, payload.institution)
        if payload.institution else None,
    }
    return Status(201, accounts.grant_role(actor=request.user, user=user, role=payload.role,
                                    grade=payload.grade, **units))


@router.delete("/users/{user_id}/roles/{assignment_id}", response={204: None, **WRITE_ERRORS},
               summary="撤销角色")
def revoke_role(request, user_id: int, assignment_id: int):
    user = get_for(request.user, User, user_id, "change")
    assignment = user.role_assignments.filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404
    accounts.revoke_role(actor=request.user, assignment=assignment)
    return Status(204, None)
