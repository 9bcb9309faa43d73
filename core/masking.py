"""Masking of sensitive personal information in lists and exports."""


def mask_id_number(value):
    """``410402200801011234`` → ``410402********1234``: region code and last four stay."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value):
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value):
    """``张小明`` → ``张**``: the family name stays (a complainant's name in lists)."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)
