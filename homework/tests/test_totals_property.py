"""The class-day totals are kept incrementally; whatever sequence of filings, changes and
withdrawals happens, they equal a recomputation from the homework rows (property test)."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import fresh
from core.errors import RuleViolation
from homework import services
from homework.models import ClassDay, Homework
from homework.tests.conftest import MON, SAT, TUE, assert_totals_match_items
from policy.services import set_rule

pytestmark = pytest.mark.usefixtures("pinned_today")

DATES = [MON, TUE, SAT]
# Saturday's limit under "half_of_school_day" is 30; school days 60.
LIMITS = {MON: (60, "HW-2"), TUE: (60, "HW-2"), SAT: (30, "HW-4")}

FIELD_STRATEGIES = {
    "minutes": st.integers(1, 70),
    "layer": st.sampled_from(["required", "basic", "advanced", "optional", "personalised"]),
    "place": st.sampled_from(["home", "in_school", "after_school"]),
    "kind": st.sampled_from(["written", "oral", "practical"]),
    "date": st.sampled_from(DATES),
}
item_fields = st.fixed_dictionaries(FIELD_STRATEGIES)
change_fields = st.lists(st.sampled_from(sorted(FIELD_STRATEGIES)), min_size=1, max_size=5,
                         unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: FIELD_STRATEGIES[k] for k in keys}))

filing = st.tuples(st.just("file"), st.sampled_from(["maths", "chinese"]), item_fields)
operations = st.tuples(
    # a few filings first, so that changes and withdrawals have items to work on
    st.lists(filing, min_size=2, max_size=6),
    st.lists(st.one_of(
        filing,
        st.tuples(st.just("update"), st.integers(0, 20), change_fields),
        st.tuples(st.just("update"), st.integers(0, 20), change_fields),
        st.tuples(st.just("withdraw"), st.integers(0, 20), st.none()),
        st.tuples(st.just("publish"), st.sampled_from(DATES), st.none()),
        st.tuples(st.just("unpublish"), st.sampled_from(DATES), st.none()),
    ), min_size=3, max_size=14),
).map(lambda parts: parts[0] + parts[1])


class _Rollback(Exception):
    pass


@pytest.fixture
def actors(cast):
    set_rule(actor=cast.bureau_admin, bureau=cast.district_a, key="hw.holiday_policy",
             value="half_of_school_day")
    return {"maths": fresh(cast.teacher_a), "chinese": fresh(cast.head_teacher_a),
            "head": fresh(cast.head_teacher_a)}


def _pupils(fields, cast):
    return [cast.pupil_p] if fields.get("layer") == "personalised" else None


def run(ops, cast, actors):
    school_class = cast.class_a1_4_1
    for op, arg, fields in ops:
        try:
            if op == "file":
                services.file_homework(actor=actors[arg], school_class=school_class, subject=arg,
                                       title="作业", pupils=_pupils(fields, cast) or (),
                                       **fields)
            elif op in ("update", "withdraw"):
                items = list(Homework.objects.filter(school_class=school_class).order_by("pk"))
                if not items:
                    continue
                item = items[arg % len(items)]
                actor = actors[item.subject]
                if op == "update":
                    services.update_homework(actor=actor, homework=item,
                                             pupils=_pupils(fields, cast), **fields)
                else:
                    services.withdraw_homework(actor=actor, homework=item)
            else:
                day = ClassDay.objects.filter(school_class=school_class, date=arg).first()
                if day is None:
                    continue
                action = (services.publish_class_day if op == "publish"
                          else services.unpublish_class_day)
                action(actor=actors["head"], class_day=day)
        except RuleViolation:
            pass  # a refused step (published day, over limit at publication) changes nothing
        assert_totals_match_items(school_class)
    for day in ClassDay.objects.filter(school_class=school_class):
        assert (day.limit_minutes, day.limit_rule) == LIMITS[day.date]


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_class_day_totals_equal_a_recomputation_from_the_items(cast, actors, ops):
    try:
        with transaction.atomic():
            run(ops, cast, actors)
            raise _Rollback
    except _Rollback:
        pass
    # every example starts from the same empty class
    assert not Homework.objects.exists()
    assert not ClassDay.objects.exists()
