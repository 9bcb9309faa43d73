"""Permission rows for the funds pages of guardians and institution staff (collected by
test_permissions).

Objects are built on first use through the services and cached on the cast (``funds_*``
attributes): a supervised account and a published art course (100 yuan a lesson) of I1, whose
staff is ``institution_staff``; P's contract of 10 lessons signed by guardian_p, paid by the
district's bank, with one lesson recorded and awaiting confirmation. ``art_staff`` and
``guardian_q`` come from funds/tests/conftest.py: staff of another institution of district A,
and the guardian of Q (another family).
"""

from conftest import fresh

LOGIN = "login"
START, END = "2026-11-23", "2027-01-23"


def _course(c):
    if not hasattr(c, "funds_course"):
        from funds import services
        from institutions import services as inst_services

        services.open_account(actor=fresh(c.supervisor), institution=c.institution_1,
                              bank_name="示例银行甲区支行", account_number="6222000000000101")
        c.funds_course = inst_services.add_course(
            actor=fresh(c.institution_staff), institution=c.institution_1, name="少儿围棋",
            subject="other", mode="offline", grades=[3, 4, 5], class_size=12,
            lesson_minutes=60, lessons=20, price_per_lesson_fen=10_000, content_summary="围棋入门")
    return c.funds_course


def _contract(c):
    """P's paid contract with one lesson awaiting the guardian's confirmation."""
    if not hasattr(c, "funds_contract"):
        import datetime as dt

        from funds import services

        contract = services.create_contract(
            actor=fresh(c.guardian_p), pupil=c.pupil_p, course=_course(c), lessons=10,
            price_per_lesson_fen=10_000, start=dt.date.fromisoformat(START),
            end=dt.date.fromisoformat(END))
        services.record_deposit(actor=fresh(c.bank), contract=contract,
                                amount_fen=contract.total_fen, idempotency_key="matrix-people")
        c.funds_lesson = services.record_lesson(actor=fresh(c.institution_staff),
                                                contract=contract)
        contract.refresh_from_db()
        c.funds_contract = contract
    return c.funds_contract


def _refund_amount(c, actor):
    contract = _contract(c)
    contract.refresh_from_db()
    return {"amount_fen": str(contract.lessons_left * contract.price_per_lesson_fen)}


def _contract_pk(c):
    return {"pk": _contract(c).pk}


def _lesson_pk(c):
    _contract(c)
    return {"pk": c.funds_lesson.pk}


CONTRACT = _contract_pk
LESSON = _lesson_pk

# Everyone who is neither a guardian nor institution staff, for the "wrong role" rows.
STAFF = ["principal", "teacher_a", "head_teacher_a", "bureau_admin", "supervisor", "inspector",
         "bank"]

MATRIX = [
    ("funds:mine", None, "anonymous", LOGIN),
    ("funds:mine", None, "guardian_p", 200),
    ("funds:mine", None, "guardian_q", 200),  # their own family's page
    ("funds:mine", None, "guardian_nobody", 403),
    ("funds:mine", None, "institution_staff", 403),
    *[("funds:mine", None, actor, 403) for actor in STAFF],

    ("funds:courses", None, "anonymous", LOGIN),
    ("funds:courses", None, "guardian_p", 200),
    ("funds:courses", None, "guardian_nobody", 403),
    ("funds:courses", None, "institution_staff", 403),
    ("funds:courses", None, "teacher_a", 403),
    ("funds:courses", None, "supervisor", 403),

    ("funds:sign", None, "anonymous", LOGIN),
    ("funds:sign", None, "guardian_p", 200),
    ("funds:sign", None, "guardian_nobody", 403),
    ("funds:sign", None, "institution_staff", 403),  # PF: the family signs, not the seller
    ("funds:sign", None, "principal", 403),
    ("funds:sign", None, "bank", 403),

    ("funds:contract", CONTRACT, "anonymous", LOGIN),
    ("funds:contract", CONTRACT, "guardian_p", 200),
    ("funds:contract", CONTRACT, "guardian_q", 404),  # another family's contract
    ("funds:contract", CONTRACT, "guardian_nobody", 403),
    ("funds:contract", CONTRACT, "institution_staff", 403),  # sees it on its own page only
    ("funds:contract", CONTRACT, "art_staff", 403),
    *[("funds:contract", CONTRACT, actor, 403) for actor in STAFF],

    ("funds:refund", CONTRACT, "anonymous", LOGIN),
    ("funds:refund", CONTRACT, "guardian_p", 200),
    ("funds:refund", CONTRACT, "guardian_q", 404),
    ("funds:refund", CONTRACT, "guardian_nobody", 403),
    ("funds:refund", CONTRACT, "institution_staff", 403),
    ("funds:refund", CONTRACT, "supervisor", 403),
    ("funds:refund", CONTRACT, "bank", 403),

    ("funds:confirm", LESSON, "anonymous", LOGIN),  # POST only
    ("funds:confirm", LESSON, "guardian_p", 405),

    ("funds:institution", None, "anonymous", LOGIN),
    ("funds:institution", None, "institution_staff", 200),
    ("funds:institution", None, "art_staff", 200),  # their own institution
    ("funds:institution", None, "guardian_p", 403),
    ("funds:institution", None, "guardian_nobody", 403),
    *[("funds:institution", None, actor, 403) for actor in STAFF],

    ("funds:institution-export", None, "anonymous", LOGIN),
    ("funds:institution-export", None, "institution_staff", 200),
    ("funds:institution-export", None, "guardian_p", 403),
    ("funds:institution-export", None, "supervisor", 403),
    ("funds:institution-export", None, "bank", 403),
    ("funds:institution-export", None, "principal", 403),

    ("funds:record-lesson", CONTRACT, "anonymous", LOGIN),  # POST only
    ("funds:record-lesson", CONTRACT, "institution_staff", 405),
]

POST_MATRIX = [
    ("funds:sign", None, "guardian_p", 302),
    ("funds:sign", None, "guardian_nobody", 403),
    ("funds:sign", None, "institution_staff", 403),
    ("funds:sign", None, "principal", 403),
    ("funds:sign", None, "anonymous", LOGIN),

    ("funds:confirm", LESSON, "guardian_p", 302),
    ("funds:confirm", LESSON, "guardian_q", 404),
    ("funds:confirm", LESSON, "guardian_nobody", 403),
    ("funds:confirm", LESSON, "institution_staff", 403),
    ("funds:confirm", LESSON, "supervisor", 403),
    ("funds:confirm", LESSON, "bank", 403),
    ("funds:confirm", LESSON, "anonymous", LOGIN),

    ("funds:refund", CONTRACT, "guardian_p", 302),
    ("funds:refund", CONTRACT, "guardian_q", 404),
    ("funds:refund", CONTRACT, "institution_staff", 403),
    ("funds:refund", CONTRACT, "teacher_a", 403),
    ("funds:refund", CONTRACT, "anonymous", LOGIN),

    ("funds:record-lesson", CONTRACT, "institution_staff", 302),
    ("funds:record-lesson", CONTRACT, "art_staff", 404),  # another institution's contract
    ("funds:record-lesson", CONTRACT, "guardian_p", 403),
    ("funds:record-lesson", CONTRACT, "supervisor", 403),
    ("funds:record-lesson", CONTRACT, "bank", 403),
    ("funds:record-lesson", CONTRACT, "anonymous", LOGIN),
]

QUERY = {}

POST_DATA = {
    "funds:sign": lambda c, actor: {"pupil": c.pupil_p.pk, "course": _course(c).pk,
                                    "lessons": 10, "start": START, "end": END,
                                    "payment_method": "lump_sum"},
    "funds:refund": _refund_amount,
}
METHOD = {}
