"""Checks of identity numbers and phone numbers, with Chinese messages and field codes."""

import re

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from core.errors import RuleViolation

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def clean_id_number(value, field="id_number"):
    """A resident ID number (GB 11643): 18 characters, valid birth date and check digit."""
    value = (value or "").strip().upper()
    if not value:
        raise RuleViolation("required", "身份证号不能为空。", field)
    try:
        return ric.validate(value)
    except stdnum_errors.InvalidLength:
        raise RuleViolation("invalid", "身份证号应为18位。", field) from None
    except stdnum_errors.InvalidChecksum:
        raise RuleViolation("invalid", "身份证号校验位错误。", field) from None
    except stdnum_errors.ValidationError:
        raise RuleViolation("invalid", "身份证号格式错误（出生日期或字符无效）。", field) from None


def clean_phone(value, field="phone", required=True):
    """A mainland mobile number (11 digits starting 13–19) or a landline with area code."""
    value = re.sub(r"[\s()]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    if not value:
        if required:
            raise RuleViolation("required", "手机号不能为空。", field)
        return ""
    if not (MOBILE.match(value) or LANDLINE.match(value)):
        raise RuleViolation("invalid", f"电话号码格式错误：{value}。", field)
    return value


def clean_name(value, field="name", label="姓名"):
    value = (value or "").strip()
    if not value:
        raise RuleViolation("required", f"{label}不能为空。", field)
    if len(value) > 50:
        raise RuleViolation("invalid", f"{label}过长（最多50字）。", field)
    return value
