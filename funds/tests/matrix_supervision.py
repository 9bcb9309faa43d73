"""Permission rows for the funds pages of the supervision section and the custodian bank
(collected by test_permissions).

The supervision roles of district A (supervisor, bureau admin, inspector) and its bank see the
district's accounts; only the supervisor freezes, only the bank reports balances and reserve
deposits, the inspector does not open accounts. Institution staff (even of the account's own
institution), guardians and school staff get 403 before any lookup; district B's bureau admin and
bank (``bank_b`` from funds/tests/conftest.py) get 404 for district A's account.

Objects are built on first use through the services and cached on the cast (``fs_*``
attributes): I1's supervised account, opened by the supervisor and dated back 30 days (time
travel, so that the bank may report yesterday's balance even when today is pinned). I2 (approved,
no account) is the institution the open form offers.
"""

from conftest import fresh

LOGIN = "login"


def _account(c):
    if not hasattr(c, "fs_account"):
        import datetime as dt

        from django.utils import timezone

        from funds import services
        from funds.models import SupervisedAccount

        account = SupervisedAccount.objects.filter(institution=c.institution_1).first() or \
            services.open_account(actor=fresh(c.supervisor), institution=c.institution_1,
                                  bank_name="示例银行甲区支行", account_number="6222000000000201")
        opened = timezone.make_aware(dt.datetime.combine(
            timezone.localdate() - dt.timedelta(days=30), dt.time(9)))
        SupervisedAccount.objects.filter(pk=account.pk).update(opened_at=opened)
        c.fs_account = account
    return c.fs_account


def ACCOUNT(c):
    return {"institution_id": _account(c).institution_id}


def NO_ACCOUNT(c):
    """I2: approved, without a supervised account (the page says so)."""
    return {"institution_id": c.institution_2.pk}


def _yesterday():
    import datetime as dt

    from django.utils import timezone

    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


SUPERVISION = ["supervisor", "bureau_admin", "inspector"]
# Refused before any lookup: schools, families and institutions (they have their own pages).
OUTSIDERS = ["institution_staff", "art_staff", "guardian_p", "guardian_nobody", "principal",
             "teacher_a", "head_teacher_a"]
DISTRICT_PAGES = ["funds:index", "funds:export", "funds:reconciliation"]

MATRIX = [
    *[row for name in DISTRICT_PAGES for row in [
        (name, None, "anonymous", LOGIN),
        *[(name, None, actor, 200) for actor in [*SUPERVISION, "bank"]],
        (name, None, "bureau_admin_b", 200),  # their own district: nothing of A
        (name, None, "bank_b", 200),
        *[(name, None, actor, 403) for actor in OUTSIDERS]]],

    ("funds:open-account", None, "anonymous", LOGIN),
    ("funds:open-account", None, "supervisor", 200),
    ("funds:open-account", None, "bureau_admin", 200),
    ("funds:open-account", None, "bank", 200),
    ("funds:open-account", None, "bureau_admin_b", 200),  # offered B's institutions only
    ("funds:open-account", None, "inspector", 403),  # reads, does not open
    *[("funds:open-account", None, actor, 403) for actor in OUTSIDERS],

    ("funds:account", ACCOUNT, "anonymous", LOGIN),
    *[("funds:account", ACCOUNT, actor, 200) for actor in [*SUPERVISION, "bank"]],
    ("funds:account", ACCOUNT, "bureau_admin_b", 404),
    ("funds:account", ACCOUNT, "bank_b", 404),
    ("funds:account", ACCOUNT, "institution_staff", 403),  # its own: /funds/institution/
    *[("funds:account", ACCOUNT, actor, 403) for actor in OUTSIDERS[1:]],
    ("funds:account", NO_ACCOUNT, "supervisor", 200),  # "no account yet"
    ("funds:account", NO_ACCOUNT, "bank", 200),
    ("funds:account", NO_ACCOUNT, "bureau_admin_b", 404),
    ("funds:account", NO_ACCOUNT, "institution_staff", 403),

    # POST only
    ("funds:freeze", ACCOUNT, "anonymous", LOGIN),
    ("funds:freeze", ACCOUNT, "supervisor", 405),
    ("funds:reserve", ACCOUNT, "anonymous", LOGIN),
    ("funds:reserve", ACCOUNT, "bank", 405),
    ("funds:report-balance", ACCOUNT, "anonymous", LOGIN),
    ("funds:report-balance", ACCOUNT, "bank", 405),
]

POST_MATRIX = [
    ("funds:freeze", ACCOUNT, "supervisor", 302),
    ("funds:freeze", ACCOUNT, "bureau_admin", 403),
    ("funds:freeze", ACCOUNT, "inspector", 403),
    ("funds:freeze", ACCOUNT, "bank", 403),
    ("funds:freeze", ACCOUNT, "bureau_admin_b", 404),
    ("funds:freeze", ACCOUNT, "institution_staff", 403),
    ("funds:freeze", ACCOUNT, "guardian_p", 403),
    ("funds:freeze", ACCOUNT, "anonymous", LOGIN),

    ("funds:reserve", ACCOUNT, "bank", 302),
    ("funds:reserve", ACCOUNT, "bank_b", 404),
    ("funds:reserve", ACCOUNT, "supervisor", 403),
    ("funds:reserve", ACCOUNT, "bureau_admin", 403),
    ("funds:reserve", ACCOUNT, "inspector", 403),
    ("funds:reserve", ACCOUNT, "institution_staff", 403),
    ("funds:reserve", ACCOUNT, "anonymous", LOGIN),

    ("funds:report-balance", ACCOUNT, "bank", 302),
    ("funds:report-balance", ACCOUNT, "bank_b", 404),
    ("funds:report-balance", ACCOUNT, "supervisor", 403),
    ("funds:report-balance", ACCOUNT, "inspector", 403),
    ("funds:report-balance", ACCOUNT, "institution_staff", 403),
    ("funds:report-balance", ACCOUNT, "guardian_p", 403),
    ("funds:report-balance", ACCOUNT, "anonymous", LOGIN),

    ("funds:open-account", None, "supervisor", 302),
    ("funds:open-account", None, "bureau_admin", 302),
    ("funds:open-account", None, "bank", 302),
    ("funds:open-account", None, "bureau_admin_b", 200),  # I2 is not theirs: a form error
    ("funds:open-account", None, "inspector", 403),
    ("funds:open-account", None, "institution_staff", 403),
    ("funds:open-account", None, "anonymous", LOGIN),
]

QUERY = {}

POST_DATA = {
    "funds:freeze": lambda c, actor: {"reason": "机构停止经营", "confirm": "on"},
    "funds:reserve": lambda c, actor: {"amount": "1000.00", "key": "matrix-reserve"},
    "funds:report-balance": lambda c, actor: {"date": _yesterday(), "balance": "0"},
    "funds:open-account": lambda c, actor: {
        "institution": c.institution_2.pk, "bank_name": "示例银行甲区支行",
        "account_number": "6222000000000202", "mode": "custody", "reserve_fixed": "0",
        "reserve_percent": "0", "last_year_fees": "0"},
}
METHOD = {}
