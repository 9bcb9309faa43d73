"""Racing requests on PostgreSQL: the same guardian answering the same survey for the same child
several times at once stores exactly one answer (the survey's row lock, then the receipt's
unique constraint), and answers for different children at once are all stored with the
survey's count right.

The data are committed (``django_db(transaction=True)``), so the racing requests, each in its own
thread and connection, see them; pytest-django empties the tables after each test.
"""

import datetime as dt

import pytest
from django.db import connection

from conftest import fresh, race
from wellbeing import services
from wellbeing.models import Survey, SurveyAnswer, SurveyReceipt
from wellbeing.tests.conftest import answer_body, post_json

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
]


def statuses(responses):
    return [(r.status_code, r.content[:200]) for r in responses]


def answering(survey, pupil, **overrides):
    body = answer_body(pupil, **overrides)
    return lambda client: post_json(client, f"/api/v1/wellbeing/surveys/{survey.pk}/answers",
                                    body)


@pytest.fixture
def survey(cast, term):
    return services.launch_survey(actor=fresh(cast.principal), school=cast.school_a1, term=term,
                                  closes_on=dt.date(2026, 12, 15))


def test_the_same_answer_sent_five_times_at_once_is_stored_once(cast, survey):
    # Given P's guardian and A1's open survey
    # When five identical answers for P arrive at the same moment
    responses = race([(cast.guardian_p, answering(survey, cast.pupil_p)) for _ in range(5)])
    # Then exactly one is stored and the others are told it was already answered
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409, 409, 409, 409], statuses(responses)
    assert all(r.json()["code"] == "already_answered" for r in responses
               if r.status_code == 409), statuses(responses)
    assert SurveyReceipt.objects.count() == 1
    assert SurveyAnswer.objects.count() == 1
    assert Survey.objects.get(pk=survey.pk).answer_count == 1


def test_different_answers_for_the_same_child_at_once_keep_only_one(cast, survey):
    # When the guardian sends two different answers at once (double tap after an edit)
    responses = race([(cast.guardian_p, answering(survey, cast.pupil_p, burden=1)),
                      (cast.guardian_p, answering(survey, cast.pupil_p, burden=5))])
    # Then one of them is stored, not both
    assert sorted(r.status_code for r in responses) == [201, 409], statuses(responses)
    assert SurveyAnswer.objects.count() == 1
    assert SurveyAnswer.objects.get().burden in (1, 5)


def test_answers_for_different_children_at_once_are_all_stored(cast, survey, make_families):
    # Given six families of A1
    families = make_families(cast.class_a1_4_1, 6)
    # When they all answer at once
    responses = race([(guardian, answering(survey, pupil)) for pupil, guardian in families])
    # Then every answer is stored and the survey's count agrees
    assert [r.status_code for r in responses] == [201] * 6, statuses(responses)
    assert SurveyReceipt.objects.count() == SurveyAnswer.objects.count() == 6
    assert Survey.objects.get(pk=survey.pk).answer_count == 6


def test_an_answer_racing_the_closing_of_the_survey(cast, survey, make_families):
    # Given four families answering while the principal closes the survey
    families = make_families(cast.class_a1_4_1, 4)
    jobs = [(guardian, answering(survey, pupil)) for pupil, guardian in families]
    jobs.append((cast.principal, lambda client: post_json(
        client, f"/api/v1/wellbeing/surveys/{survey.pk}/close")))
    responses = race(jobs)
    # Then each answer either got in before the close (201) or was refused after it (409),
    # and the count equals the answers stored
    assert set(r.status_code for r in responses[:4]) <= {201, 409}, statuses(responses)
    assert responses[4].status_code == 200, statuses(responses)
    stored = sum(1 for r in responses[:4] if r.status_code == 201)
    assert SurveyAnswer.objects.count() == stored == Survey.objects.get(pk=survey.pk).answer_count
