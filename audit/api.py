"""API for reading the audit log (bureau admins)."""

import datetime as dt

from ninja import Router, Schema
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS
from audit.models import Entry
from core.access import visible

router = Router(tags=["审计日志"])


class EntryOut(Schema):
    id: int
    timestamp: dt.datetime
    actor: str | None
    code: str
    label: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor else None

    @staticmethod
    def resolve_label(obj):
        return obj.code_label

    @staticmethod
    def resolve_object_type(obj):
        return obj.content_type.model

    @staticmethod
    def resolve_object_id(obj):
        return obj.object_pk

    @staticmethod
    def resolve_changes(obj):
        return obj.changes if isinstance(obj.changes, dict) else {}


@router.get("/entries", response={200: list[EntryOut], **READ_ERRORS}, summary="审计日志")
@paginate(LimitOffsetPagination)
def list_entries(request, code: str | None = None, actor: str | None = None,
                 object_type: str | None = None):
    qs = visible(request.user, Entry).select_related("actor", "content_type")
    if code:
        qs = qs.filter(additional_data__code=code)
    if actor:
        qs = qs.filter(actor__username=actor)
    if object_type:
        qs = qs.filter(content_type__model=object_type)
    return qs
