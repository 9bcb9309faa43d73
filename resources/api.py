"""API of the homework library (QM-5): search, contribute, change, rate, select."""

import datetime as dt

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS, errors
from core.access import get_for, require, visible
from core.errors import RuleViolation
from resources import services
from resources.models import Level, ResourceItem

router = Router(tags=["优质作业资源库"])
# Lists take filters and limit/offset: a malformed one is a 422 like any field check.
LIST_ERRORS = {**READ_ERRORS, **errors(422)}

SELECTED_VALUES = {"", "any", *Level.values}


class SelectionOut(Schema):
    id: int
    level: str = Field(..., description="school 校级 / district 区级")
    year: int
    reason: str


class ItemOut(Schema):
    id: int
    title: str
    content: str
    subject: str
    subject_name: str
    grade_from: int
    grade_to: int
    textbook: str
    unit: str
    kind: str
    difficulty: int
    minutes: int
    layer: str = Field(..., description="建议分层（HW-12）")
    visibility: str = Field(..., description="school 仅本校 / district 全区共享")
    status: str = Field(..., description="draft 草稿 / shared 已共享")
    within_standard: bool = Field(..., description="设计者确认难度不超过国家课程标准（HW-6）")
    owner: str = Field(..., alias="owner_name")
    school: int | None = Field(None, alias="school_id")
    bureau: int = Field(..., alias="bureau_id")
    rating_count: int
    average_stars: float | None
    times_used: int = Field(..., description="从资源库选用布置作业的次数")
    selections: list[SelectionOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_selections(obj):
        return list(obj.selections.all())


class ItemIn(Schema):
    title: str
    content: str = ""
    subject: str = Field(..., description="学科代码，如 maths")
    grade_from: int = Field(..., description="适用年级（起），1–9")
    grade_to: int | None = Field(None, description="适用年级（止），默认同起始年级")
    textbook: str = Field("", description="教材版本及册次，如 人教版 四年级上册")
    unit: str = Field("", description="单元/课时，如 第三单元 角的度量")
    kind: str = Field("written", description="written / oral / practical / labour / cross_subject"
                                             "（重复性、惩罚性作业以 HW-8 拒绝）")
    difficulty: int = Field(3, description="1 基础 – 5 拓展")
    minutes: int = Field(..., description="预计完成时间（分钟）")
    layer: str = "required"
    visibility: str | None = Field(None, description="school / district；教育局资源只能 district")
    status: str = Field("shared", description="draft / shared")
    within_standard: bool = Field(False, description="共享前须确认难度不超过国家课程标准（HW-6）")


class ItemPatch(Schema):
    title: str | None = None
    content: str | None = None
    subject: str | None = None
    grade_from: int | None = None
    grade_to: int | None = None
    textbook: str | None = None
    unit: str | None = None
    kind: str | None = None
    difficulty: int | None = None
    minutes: int | None = None
    layer: str | None = None
    visibility: str | None = None
    status: str | None = None
    within_standard: bool | None = None


class RatingIn(Schema):
    stars: int = Field(..., description="1–5")
    comment: str = ""


class RatingOut(Schema):
    id: int
    item: int = Field(..., alias="item_id")
    stars: int
    comment: str
    teacher: str = Field(..., alias="teacher.name")
    created_at: dt.datetime
    rating_count: int = Field(..., alias="item.rating_count", description="评分后该资源的评分人数")
    average_stars: float | None = Field(..., alias="item.average_stars")


class SelectionIn(Schema):
    level: str = Field(..., description="school 校级（学校管理员）/ district 区级（教育局管理员）")
    year: int | None = Field(None, description="评选年度，默认今年")
    reason: str


def _item(request, item_id, action="view"):
    require(request.user, "view", ResourceItem)  # guardians and institutions: 403, not 404
    return get_for(request.user, ResourceItem, item_id, action,
                   queryset=ResourceItem.objects.for_cards())


@router.get("/items", response={200: list[ItemOut], **LIST_ERRORS},
            summary="搜索资源（q 检索标题、内容、教材和单元）")
@paginate(LimitOffsetPagination)
def list_resource_items(request, q: str = "", subject: str = "", grade: int | None = None,
                        kind: str = "", difficulty: int | None = None, selected: str = "",
                        order: str = ""):
    """``selected``: school / district / any (获评优秀设计); ``order``: new / rating / used."""
    if selected not in SELECTED_VALUES:
        raise RuleViolation("invalid", f"取值无效：{selected}。", "selected")
    return visible(request.user, ResourceItem).for_cards().search(
        q=q, subject=subject, grade=grade, kind=kind, difficulty=difficulty, selected=selected,
        order=order)


@router.post("/items", response={201: ItemOut, **WRITE_ERRORS},
             summary="提交资源（教师：本校资源；教育局管理员：全区资源）")
def create_resource_item(request, payload: ItemIn):
    item = services.create_item(actor=request.user, **payload.dict())
    return Status(201, _item(request, item.pk))


@router.get("/items/{int:item_id}", response={200: ItemOut, **READ_ERRORS}, summary="资源详情")
def get_resource_item(request, item_id: int):
    return _item(request, item_id)


@router.patch("/items/{int:item_id}", response={200: ItemOut, **WRITE_ERRORS},
              summary="修改资源（仅设计者）")
def update_resource_item(request, item_id: int, payload: ItemPatch):
    item = _item(request, item_id, "change")
    services.update_item(actor=request.user, item=item, **payload.dict())
    return _item(request, item_id)


@router.delete("/items/{int:item_id}", response={204: None, **WRITE_ERRORS},
               summary="删除资源（仅设计者；已获评优秀设计的不能删除）")
def delete_resource_item(request, item_id: int):
    services.delete_item(actor=request.user, item=_item(request, item_id, "change"))
    return Status(204, None)


@router.get("/items/{int:item_id}/ratings", response={200: list[RatingOut], **LIST_ERRORS},
            summary="资源的评分")
@paginate(LimitOffsetPagination)
def list_resource_ratings(request, item_id: int):
    item = _item(request, item_id)
    return item.ratings.select_related("teacher", "item").order_by("-created_at", "-pk")


@router.post("/items/{int:item_id}/ratings", response={201: RatingOut, **WRITE_ERRORS},
             summary="评分（教师，每人每项一次；不能为自己的资源评分）")
def rate_resource_item(request, item_id: int, payload: RatingIn):
    rating = services.rate_item(actor=request.user, item=_item(request, item_id), **payload.dict())
    return Status(201, rating)


@router.post("/items/{int:item_id}/selections", response={201: SelectionOut, **WRITE_ERRORS},
             summary="评选优秀作业设计（校级：学校管理员；区级：教育局管理员）")
def select_resource_item(request, item_id: int, payload: SelectionIn):
    selection = services.select_item(actor=request.user, item=_item(request, item_id),
                                     **payload.dict())
    return Status(201, selection)
