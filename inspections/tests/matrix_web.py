"""Permission rows for the random-inspection pages (collected by test_permissions).

The bureau admin and the supervisor (监管科) of district A run draws, keep the roster and publish;
the inspector (督学, on the roster as 周督学) reads every draw of the district and records the
results of the inspections they are on (403 for another team's). Denials: anonymous → login;
school staff, guardians, institution staff and the custodian bank → 403 before any lookup; the
bureau admin of district B → 404 for district A's objects, empty lists on list pages (and their
own refusals on forms: district B has no roster). Objects are made through the services on first
use and cached on the cast.
"""

from inspections import services
from inspections.tests.conftest import build_institutions, build_roster
from org.tests.test_permissions import LOGIN


def _roster(c):
    if not hasattr(c, "in_roster"):
        c.in_roster = build_roster(c)
        c.in_institutions = build_institutions(c)
    return c.in_roster


def _draw(c):
    """Three of district A's six institutions, two inspectors each: everyone checks once."""
    if not hasattr(c, "in_draw"):
        _roster(c)
        c.in_draw = services.run_draw(actor=c.supervisor, bureau=c.district_a, title="矩阵抽查",
                                      target_kind="institution", count=3, seed="matrix")
    return c.in_draw


def _mine(c):
    """The inspection the cast's inspector (周督学) is on."""
    return _draw(c).inspections.filter(inspectors=_roster(c).du).get()


def _other(c):
    """An inspection the cast's inspector is not on."""
    return _draw(c).inspections.exclude(inspectors=_roster(c).du).order_by("position").first()


def _recorded(c):
    """周督学's inspection with its result recorded (ready to publish)."""
    if not hasattr(c, "in_recorded"):
        c.in_recorded = services.record_result(actor=c.inspector, inspection=_mine(c),
                                               outcome="pass")
    return c.in_recorded


def DRAW(c):
    return {"pk": _draw(c).pk}


def MINE(c):
    return {"pk": _mine(c).pk}


def OTHER(c):
    return {"pk": _other(c).pk}


def RECORDED(c):
    return {"pk": _recorded(c).pk}


def PERSON(c):
    """郑市监, a market-regulation inspector without a login."""
    return {"pk": _roster(c).shi_a.pk}


DENIED = ["bank", "principal", "teacher_a", "guardian_p", "institution_staff"]


def _rows(name, builder, allowed, b_admin, denied=DENIED):
    """anonymous → login; ``allowed`` {actor: status}; district B's admin; the others 403."""
    return ([(name, builder, "anonymous", LOGIN)]
            + [(name, builder, actor, status) for actor, status in allowed.items()]
            + [(name, builder, "bureau_admin_b", b_admin)]
            + [(name, builder, actor, 403) for actor in denied])


READERS_200 = {"bureau_admin": 200, "supervisor": 200, "inspector": 200}

MATRIX = [
    *_rows("inspections:index", None, READERS_200, 200),
    *_rows("inspections:draw", DRAW, READERS_200, 404),
    *_rows("inspections:draw-export", DRAW, READERS_200, 404),
    *_rows("inspections:draw-inputs", DRAW, READERS_200, 404),
    ("inspections:draw-verify", DRAW, "anonymous", LOGIN),  # POST only
    ("inspections:draw-verify", DRAW, "supervisor", 405),
    *_rows("inspections:inspection", MINE, READERS_200, 404),
    ("inspections:inspection", OTHER, "inspector", 200),  # reads every inspection of the district
    ("inspections:publish", RECORDED, "anonymous", LOGIN),  # POST only
    ("inspections:publish", RECORDED, "supervisor", 405),
    *_rows("inspections:roster", None, READERS_200, 200),
    ("inspections:inspector-active", PERSON, "anonymous", LOGIN),  # POST only
    ("inspections:inspector-active", PERSON, "supervisor", 405),
    ("inspections:conflict-add", None, "anonymous", LOGIN),  # POST only
    ("inspections:conflict-add", None, "supervisor", 405),
]

POST_MATRIX = [
    # a new draw: the section runs it (302 to the draw); inspectors may not; district B has no
    # roster and sees the refusal on its form (200)
    *_rows("inspections:index", None, {"bureau_admin": 302, "supervisor": 302, "inspector": 403},
           200),
    # 复核 is a read: anyone who may read the draw may verify it
    *_rows("inspections:draw-verify", DRAW, {"bureau_admin": 302, "supervisor": 302,
                                             "inspector": 302}, 404),
    # a result: the team's inspector or the section; not another team's inspector
    *_rows("inspections:inspection", MINE, {"bureau_admin": 302, "supervisor": 302,
                                            "inspector": 302}, 404),
    ("inspections:inspection", OTHER, "inspector", 403),
    ("inspections:inspection", OTHER, "supervisor", 302),
    # publication (一公开) is the section's
    *_rows("inspections:publish", RECORDED, {"bureau_admin": 302, "supervisor": 302,
                                             "inspector": 403}, 404),
    # the roster: district B's admin adds to their own roster (302)
    *_rows("inspections:roster", None, {"bureau_admin": 302, "supervisor": 302,
                                        "inspector": 403}, 302),
    *_rows("inspections:inspector-active", PERSON, {"bureau_admin": 302, "supervisor": 302,
                                                    "inspector": 403}, 404),
    # district B's admin cannot pick district A's inspector: the form refuses (200)
    *_rows("inspections:conflict-add", None, {"bureau_admin": 302, "supervisor": 302,
                                              "inspector": 403}, 200),
]


def _draw_form(c, actor):
    _roster(c)
    return {"title": "矩阵新抽查", "target_kind": "institution", "count": "1",
            "min_departments": "1", "seed": "matrix-new"}


def _conflict_form(c, actor):
    return {"inspector": _roster(c).shi_a.pk, "institution": c.institution_1.pk,
            "reason": "近亲属在该机构任职"}


QUERY = {}
POST_DATA = {
    "inspections:index": _draw_form,
    "inspections:inspection": lambda c, actor: {"outcome": "pass", "findings": "",
                                                "checked_on": ""},
    "inspections:roster": lambda c, actor: {"name": "新入库人员", "department": "market"},
    "inspections:inspector-active": lambda c, actor: {"active": "0"},
    "inspections:conflict-add": _conflict_form,
}
METHOD = {}
