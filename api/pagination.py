"""The one paginator of the API: ninja's limit/offset with the offset bounded (no 500 on huge)."""

from ninja import Field
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffset


class LimitOffsetPagination(NinjaLimitOffset):
    class Input(NinjaLimitOffset.Input):
        offset: int = Field(0, ge=0, le=2**31 - 1)
