"""Objects the wellbeing permission rows need, made through the services on first use and cached
on ``matrix_cast`` (org's fixture: the cast plus district A's term 2026-09-01 – 2027-01-22):

``settings``     A1's declared settings for the term (compliant);
``reading``      A1's 2026-2027 reading list, reviewed and confirmed, disclosed to parents
                 (so P's guardian may read it; the school may still file it);
``survey``       A1's survey of the term, open until 2026-12-15;
``publication``  district A's burden report of the term, published (not publicly).
"""

import datetime as dt

from conftest import fresh


def settings(c):
    if not hasattr(c, "wb_settings"):
        from wellbeing import services
        from wellbeing.tests.conftest import compliant_settings

        body = compliant_settings(c.school_a1)
        c.wb_settings = services.save_settings(actor=fresh(c.principal), school=c.school_a1,
                                               term=c.term, **body)
    return {"school_pk": c.school_a1.pk, "term_pk": c.term.pk}


def settings_api(c):
    settings(c)
    return {"school_id": c.school_a1.pk, "term_id": c.term.pk}


def reading(c):
    if not hasattr(c, "wb_reading"):
        from wellbeing import services

        reading = services.create_reading_list(
            actor=fresh(c.principal), school=c.school_a1, school_year="2026-2027",
            title="2026 学年推荐书目", grades=[4], books="小王子\n草房子",
            disclosed_to_parents=True)
        services.advance_reading_list(actor=fresh(c.principal), reading_list=reading,
                                      to="reviewed", negative_list_checked=True)
        c.wb_reading = services.advance_reading_list(actor=fresh(c.principal),
                                                     reading_list=reading, to="confirmed")
    return c.wb_reading


def survey(c):
    if not hasattr(c, "wb_survey"):
        from wellbeing import services

        c.wb_survey = services.launch_survey(actor=fresh(c.principal), school=c.school_a1,
                                             term=c.term, closes_on=dt.date(2026, 12, 15))
    return c.wb_survey


def publication(c):
    if not hasattr(c, "wb_publication"):
        from wellbeing import services

        c.wb_publication = services.publish_burden_report(actor=fresh(c.bureau_admin),
                                                          term=c.term)
    return c.wb_publication


def answer_form():
    return {"bedtime": "21:00", "wake_time": "07:00", "homework_minutes": 40,
            "homework_done_by": "20:00", "phone_to_school": "no", "screen_minutes": 10,
            "reading_minutes": 30, "compulsory_purchase": "no", "pe_in_school_minutes": 60,
            "pe_out_school_minutes": 60, "burden": 2, "subject_training": "no"}
