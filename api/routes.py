"""Authentication and the caller's own identity."""

from django.contrib.auth import authenticate
from ninja import Router, Schema, Status

from api.models import ApiToken
from api.schemas import ErrorOut, Ref, errors
from audit.actions import log_action
from org.models import Bureau, Pupil, School
from org.roles import Role

router = Router(tags=["认证"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/auth/token", auth=None,
             response={200: TokenOut, 401: ErrorOut, 429: ErrorOut, **errors(400, 422)},
             summary="用户名和密码换取接口令牌")
def issue_token(request, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        return Status(401, {"code": "invalid_credentials", "message": "用户名或密码错误。", "field": None})
    token = ApiToken.issue(user)
    log_action(user, "auth.token.issued", actor=user, kind="create")
    return {"token": token}


class PupilRef(Schema):
    id: int
    name: str
    school_class: int
    school_class_name: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[str]
    school: Ref | None
    bureau: Ref | None
    institution: Ref | None
    pupils: list[PupilRef]


def _ref(obj):
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def describe(user):
    """The caller as /api/v1/me shows it: roles and the units they are held in."""
    scope = user.scope
    school_ids = scope.school_ids
    school = School.objects.filter(pk__in=school_ids).order_by("pk").first() if school_ids else None
    bureau = Bureau.objects.filter(pk=scope.home_bureau_id).first() if scope.home_bureau_id \
        else (school.bureau if school else None)
    institution = None
    if scope.institution_ids:
        from institutions.models import Institution

        institution = Institution.objects.filter(pk__in=scope.institution_ids).order_by("pk").first()
    pupils = Pupil.objects.filter(pk__in=scope.pupil_ids).select_related("school_class__school") \
        .order_by("pk")
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name or user.username,
        "roles": sorted(str(r) for r in scope.roles),
        "role_labels": [Role(r).label for r in sorted(scope.roles)],
        "school": _ref(school),
        "bureau": _ref(bureau),
        "institution": _ref(institution),
        "pupils": [{"id": p.pk, "name": p.name, "school_class": p.school_class_id,
                    "school_class_name": f"{p.school_class.school.name} {p.school_class.name}"}
                   for p in pupils],
    }


@router.get("/me", response={200: MeOut, **errors(401)}, summary="当前用户、角色和所属单位")
def me(request):
    return describe(request.user)
