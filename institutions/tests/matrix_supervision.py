"""Permission rows for the supervision section's institution pages (collected by
test_permissions).

The pages are the supervision roles' (bureau admin, supervisor, inspector). Denials: anonymous →
login; school staff, guardians and the custodian bank → 403 (the bank may read the registry list);
an institution's own staff → 403 (the registry sends them to their own page, 302); the bureau
admin of district B → 404 for district A's objects, an empty list on list pages. Objects are made
through the services on first use and cached on the cast.
"""

from institutions import services
from institutions.models import TeacherMatch
from institutions.tests.conftest import new_code
from org.tests.test_permissions import LOGIN


def _inst(c):
    """I1 of district A (approved, with permit and licence)."""
    return {"pk": c.institution_1.pk}


def _card(c):
    """A yellow card on I2, issued by the supervisor."""
    if not hasattr(c, "sup_card"):
        c.sup_card = services.issue_card(actor=c.supervisor, institution=c.institution_2,
                                         colour="yellow", reason="超时培训", rule="TS-3")
    return {"pk": c.sup_card.pk}


def _entry(c):
    """I2 on the negative list."""
    if not hasattr(c, "sup_entry"):
        c.sup_entry = services.add_to_list(actor=c.supervisor, institution=c.institution_2,
                                           kind="negative", reason="虚假宣传")
    return {"pk": c.sup_entry.pk}


def _application(c):
    """A sports institution applying to district A (申请中)."""
    if not hasattr(c, "sup_application"):
        c.sup_application = services.register_institution(
            actor=c.supervisor, bureau=c.district_a, name="甲区跃动体育培训中心",
            credit_code=new_code(), category="sport")
    return {"pk": c.sup_application.pk}


def _match(c):
    """A member of I2's staff whose ID number is teacher_a's (TT-2)."""
    if not hasattr(c, "sup_match"):
        staff = services.add_staff(actor=c.supervisor, institution=c.institution_2,
                                   name="李某", id_number=c.teacher_a_profile.id_number,
                                   kind="other")
        c.sup_match = TeacherMatch.objects.filter(staff=staff).first()
    return {"pk": c.sup_match.pk}


INST, CARD, ENTRY, APP, MATCH = _inst, _card, _entry, _application, _match

MATRIX = [
    ("institutions:index", None, "anonymous", LOGIN),
    ("institutions:index", None, "bureau_admin", 200),
    ("institutions:index", None, "supervisor", 200),
    ("institutions:index", None, "inspector", 200),
    ("institutions:index", None, "bank", 200),  # the registry list, read-only
    ("institutions:index", None, "bureau_admin_b", 200),  # district B's (none)
    ("institutions:index", None, "institution_staff", 302),  # to /institutions/mine/
    ("institutions:index", None, "principal", 403),
    ("institutions:index", None, "teacher_a", 403),
    ("institutions:index", None, "guardian_p", 403),
    ("institutions:index", None, "guardian_nobody", 403),

    ("institutions:detail", INST, "anonymous", LOGIN),
    ("institutions:detail", INST, "bureau_admin", 200),
    ("institutions:detail", INST, "supervisor", 200),
    ("institutions:detail", INST, "inspector", 200),
    ("institutions:detail", INST, "bureau_admin_b", 404),
    ("institutions:detail", INST, "institution_staff", 403),  # their own, but not this page
    ("institutions:detail", INST, "bank", 403),
    ("institutions:detail", INST, "principal", 403),
    ("institutions:detail", INST, "guardian_p", 403),

    ("institutions:change", INST, "anonymous", LOGIN),
    ("institutions:change", INST, "supervisor", 200),
    ("institutions:change", INST, "bureau_admin", 200),
    ("institutions:change", INST, "inspector", 403),
    ("institutions:change", INST, "bureau_admin_b", 404),
    ("institutions:change", INST, "institution_staff", 403),
    ("institutions:change", INST, "principal", 403),

    ("institutions:annual-review", INST, "anonymous", LOGIN),  # POST only; see POST_MATRIX
    ("institutions:annual-review", INST, "supervisor", 405),
    ("institutions:card-issue", INST, "anonymous", LOGIN),
    ("institutions:card-revoke", CARD, "anonymous", LOGIN),
    ("institutions:list-add", INST, "anonymous", LOGIN),
    ("institutions:list-remove", ENTRY, "anonymous", LOGIN),
    ("institutions:review", APP, "anonymous", LOGIN),
    ("institutions:match-close", MATCH, "anonymous", LOGIN),

    ("institutions:applications", None, "anonymous", LOGIN),
    ("institutions:applications", None, "supervisor", 200),
    ("institutions:applications", None, "bureau_admin", 200),
    ("institutions:applications", None, "inspector", 200),  # read-only
    ("institutions:applications", None, "bureau_admin_b", 200),
    ("institutions:applications", None, "institution_staff", 403),
    ("institutions:applications", None, "bank", 403),
    ("institutions:applications", None, "principal", 403),
    ("institutions:applications", None, "guardian_p", 403),

    ("institutions:record", None, "anonymous", LOGIN),
    ("institutions:record", None, "supervisor", 200),
    ("institutions:record", None, "bureau_admin", 200),
    ("institutions:record", None, "inspector", 200),
    ("institutions:record", None, "bureau_admin_b", 200),
    ("institutions:record", None, "institution_staff", 403),  # they apply on their own page
    ("institutions:record", None, "bank", 403),
    ("institutions:record", None, "principal", 403),

    ("institutions:risk", None, "anonymous", LOGIN),
    ("institutions:risk", None, "supervisor", 200),
    ("institutions:risk", None, "bureau_admin", 200),
    ("institutions:risk", None, "inspector", 200),
    ("institutions:risk", None, "bureau_admin_b", 200),
    ("institutions:risk", None, "institution_staff", 403),
    ("institutions:risk", None, "bank", 403),
    ("institutions:risk", None, "principal", 403),
    ("institutions:risk", None, "guardian_p", 403),

    ("institutions:risk-export", None, "anonymous", LOGIN),
    ("institutions:risk-export", None, "supervisor", 200),
    ("institutions:risk-export", None, "inspector", 200),
    ("institutions:risk-export", None, "bureau_admin_b", 200),
    ("institutions:risk-export", None, "institution_staff", 403),
    ("institutions:risk-export", None, "bank", 403),
    ("institutions:risk-export", None, "principal", 403),

    ("institutions:matches", None, "anonymous", LOGIN),
    ("institutions:matches", None, "supervisor", 200),
    ("institutions:matches", None, "bureau_admin", 200),
    ("institutions:matches", None, "bureau_admin_b", 200),
    ("institutions:matches", None, "inspector", 403),
    ("institutions:matches", None, "institution_staff", 403),  # never the institution (TT-2)
    ("institutions:matches", None, "bank", 403),
    ("institutions:matches", None, "principal", 403),
    ("institutions:matches", None, "teacher_a", 403),
    ("institutions:matches", None, "guardian_p", 403),

    ("institutions:guide-prices", None, "anonymous", LOGIN),
    ("institutions:guide-prices", None, "supervisor", 200),
    ("institutions:guide-prices", None, "bureau_admin", 200),
    ("institutions:guide-prices", None, "inspector", 200),  # read-only
    ("institutions:guide-prices", None, "bureau_admin_b", 200),
    ("institutions:guide-prices", None, "institution_staff", 403),
    ("institutions:guide-prices", None, "bank", 403),
    ("institutions:guide-prices", None, "principal", 403),
    ("institutions:guide-prices", None, "guardian_p", 403),
]

POST_MATRIX = [
    ("institutions:change", INST, "supervisor", 302),
    ("institutions:change", INST, "bureau_admin", 302),
    ("institutions:change", INST, "inspector", 403),
    ("institutions:change", INST, "bureau_admin_b", 404),
    ("institutions:change", INST, "institution_staff", 403),
    ("institutions:change", INST, "principal", 403),
    ("institutions:change", INST, "anonymous", LOGIN),

    ("institutions:annual-review", INST, "supervisor", 302),
    ("institutions:annual-review", INST, "bureau_admin", 302),
    ("institutions:annual-review", INST, "inspector", 403),
    ("institutions:annual-review", INST, "bureau_admin_b", 404),
    ("institutions:annual-review", INST, "institution_staff", 403),
    ("institutions:annual-review", INST, "principal", 403),
    ("institutions:annual-review", INST, "anonymous", LOGIN),

    ("institutions:card-issue", INST, "supervisor", 302),
    ("institutions:card-issue", INST, "bureau_admin", 302),
    ("institutions:card-issue", INST, "inspector", 302),
    ("institutions:card-issue", INST, "bureau_admin_b", 404),
    ("institutions:card-issue", INST, "institution_staff", 403),
    ("institutions:card-issue", INST, "bank", 403),
    ("institutions:card-issue", INST, "principal", 403),
    ("institutions:card-issue", INST, "guardian_p", 403),
    ("institutions:card-issue", INST, "anonymous", LOGIN),

    ("institutions:card-revoke", CARD, "supervisor", 302),
    ("institutions:card-revoke", CARD, "bureau_admin", 302),
    ("institutions:card-revoke", CARD, "inspector", 403),  # issues cards, does not revoke
    ("institutions:card-revoke", CARD, "bureau_admin_b", 404),
    ("institutions:card-revoke", CARD, "institution_staff", 403),
    ("institutions:card-revoke", CARD, "principal", 403),
    ("institutions:card-revoke", CARD, "anonymous", LOGIN),

    ("institutions:list-add", INST, "supervisor", 302),
    ("institutions:list-add", INST, "bureau_admin", 302),
    ("institutions:list-add", INST, "inspector", 403),
    ("institutions:list-add", INST, "bureau_admin_b", 404),
    ("institutions:list-add", INST, "institution_staff", 403),
    ("institutions:list-add", INST, "principal", 403),
    ("institutions:list-add", INST, "anonymous", LOGIN),

    ("institutions:list-remove", ENTRY, "supervisor", 302),
    ("institutions:list-remove", ENTRY, "bureau_admin", 302),
    ("institutions:list-remove", ENTRY, "inspector", 403),
    ("institutions:list-remove", ENTRY, "bureau_admin_b", 404),
    ("institutions:list-remove", ENTRY, "institution_staff", 403),
    ("institutions:list-remove", ENTRY, "principal", 403),
    ("institutions:list-remove", ENTRY, "anonymous", LOGIN),

    ("institutions:review", APP, "supervisor", 302),
    ("institutions:review", APP, "bureau_admin", 302),
    ("institutions:review", APP, "inspector", 403),
    ("institutions:review", APP, "bureau_admin_b", 404),
    ("institutions:review", APP, "institution_staff", 403),
    ("institutions:review", APP, "principal", 403),
    ("institutions:review", APP, "anonymous", LOGIN),

    ("institutions:record", None, "supervisor", 302),
    ("institutions:record", None, "bureau_admin", 302),
    ("institutions:record", None, "inspector", 302),  # found in an inspection
    ("institutions:record", None, "bureau_admin_b", 200),  # district A is not a choice: form error
    ("institutions:record", None, "institution_staff", 403),
    ("institutions:record", None, "principal", 403),
    ("institutions:record", None, "anonymous", LOGIN),

    ("institutions:match-close", MATCH, "supervisor", 302),
    ("institutions:match-close", MATCH, "bureau_admin", 302),
    ("institutions:match-close", MATCH, "bureau_admin_b", 404),
    ("institutions:match-close", MATCH, "inspector", 403),
    ("institutions:match-close", MATCH, "institution_staff", 403),
    ("institutions:match-close", MATCH, "principal", 403),
    ("institutions:match-close", MATCH, "anonymous", LOGIN),

    ("institutions:guide-prices", None, "bureau_admin", 302),
    ("institutions:guide-prices", None, "supervisor", 302),
    ("institutions:guide-prices", None, "bureau_admin_b", 302),  # district B's own price
    ("institutions:guide-prices", None, "inspector", 403),
    ("institutions:guide-prices", None, "institution_staff", 403),
    ("institutions:guide-prices", None, "principal", 403),
    ("institutions:guide-prices", None, "anonymous", LOGIN),
]

QUERY = {}


def _change(c, actor):
    """I1's own values with a new phone number, and the reason for the ledger."""
    i = c.institution_1
    return {"name": i.name, "credit_code": i.credit_code, "mode": i.mode,
            "licence_status": i.licence_status, "phone": "0372-5550100",
            "reason": "机构报告电话变更"}


def _record(c, actor):
    data = {"bureau": c.district_a.pk, "name": f"甲区{actor}登记的机构", "category": "sport",
            "mode": "offline", "credit_code": new_code()}
    if actor != "inspector":
        data["school_permit_no"] = "教民1410402009号"
    return data


POST_DATA = {
    "institutions:change": _change,
    "institutions:annual-review": lambda c, a: {"year": 2025, "result": "pass"},
    "institutions:card-issue": lambda c, a: {"colour": "yellow", "reason": "未公示收费",
                                             "rule": "TP-5"},
    "institutions:card-revoke": lambda c, a: {"reason": "复核后证据不足"},
    "institutions:list-add": lambda c, a: {"kind": "negative", "reason": "虚假宣传"},
    "institutions:list-remove": lambda c, a: {"reason": "整改完成"},
    "institutions:review": lambda c, a: (
        {"decision": "approve", "school_permit_no": "教民1410402010号",
         "permit_valid_until": "2029-12-31"} if a == "supervisor"
        else {"decision": "reject", "note": "场地不符合要求"}),
    "institutions:record": _record,
    "institutions:match-close": lambda c, a: {"decision": "dismiss", "note": "同名不同人"},
    "institutions:guide-prices": lambda c, a: {"mode": "offline", "band": "medium",
                                               "base_price": "60.00"},
}

METHOD = {}
