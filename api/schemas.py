"""Schemas shared by every router: the error body and the documented error responses."""

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class Ref(Schema):
    id: int
    name: str


ERROR_TEXT = {
    400: "请求格式错误",
    401: "未登录或令牌无效",
    403: "无权执行此操作",
    404: "对象不存在或不在管辖范围内",
    409: "与当前状态冲突（如重复提交、编号已存在）",
    422: "违反政策规则（code 为规则编号）或字段校验失败（invalid / required）",
    429: "登录失败次数过多，已被暂时锁定",
}


def errors(*codes):
    """Response entries documenting the given error statuses with the one error body."""
    return {code: ErrorOut for code in codes}


READ_ERRORS = errors(401, 403, 404, 422)  # 422: a bad query parameter or limit/offset
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 422)
