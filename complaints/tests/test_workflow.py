"""The life of a complaint through the staff API: the declared transitions and the refused
ones (409 with the code, nothing changed), replies and notes, merging duplicates, reassigning,
cards on the institution, links to other cases, and hotline filing."""

import pytest
from auditlog.models import LogEntry

from complaints import services
from complaints.models import Complaint, ComplaintEvent, ComplaintLink
from complaints.tests.conftest import API, PUBLIC_API, file, post_json
from conftest import assert_error
from institutions.models import Card, Institution


def url(complaint, action=""):
    return f"{API}/{complaint.pk}" + (f"/{action}" if action else "")


def state(complaint):
    complaint.refresh_from_db()
    return complaint.status, complaint.events.count()


def test_the_school_takes_a_complaint_from_acknowledgement_to_archive(
        cast, clock, api_client, principal, school_complaint):
    client = api_client(principal)
    # When A1's principal acknowledges, starts, replies, resolves and closes
    steps = [("acknowledge", {"note": "已受理，年级组核查中"}), ("start", {}),
             ("reply", {"text": "已约谈数学老师", "public": True}),
             ("resolve", {"outcome": "四年级作业已按规定减量，并建立每日公示。"}),
             ("close", {"note": "回访满意"})]
    statuses = []
    for action, body in steps:
        response = post_json(client, url(school_complaint, action), body)
        assert response.status_code == 200, (action, response.content)
        statuses.append(response.json()["status"])
    # Then each step moved it along the declared path
    assert statuses == ["acknowledged", "in_progress", "in_progress", "resolved", "closed"]
    complaint = Complaint.objects.get(pk=school_complaint.pk)
    assert complaint.outcome.startswith("四年级作业")
    assert complaint.responded_at and complaint.resolved_at and complaint.closed_at
    # and the history holds every step, each status change with its from and to
    events = list(complaint.events.values_list("kind", "from_status", "to_status", "public"))
    assert events == [
        ("filed", "", "submitted", True), ("acknowledged", "submitted", "acknowledged", True),
        ("started", "acknowledged", "in_progress", True), ("replied", "", "", True),
        ("resolved", "in_progress", "resolved", True), ("closed", "resolved", "closed", True)]
    codes = set(LogEntry.objects.values_list("additional_data__code", flat=True))
    assert {"complaints.acknowledged", "complaints.started", "complaints.replied",
            "complaints.resolved", "complaints.closed"} <= codes
    # and the complainant reads the outcome on the tracking page
    tracked = api_client(None).get(f"{PUBLIC_API}/{complaint.code}").json()
    assert tracked["outcome"] == complaint.outcome and tracked["status_label"] == "已归档"


def _to(complaint, status, actor):
    """Walk a complaint to a status through the services."""
    path = {"acknowledged": [services.acknowledge], "in_progress": [services.acknowledge,
                                                                    services.start],
            "resolved": [services.acknowledge, services.start, "resolve"],
            "closed": [services.acknowledge, services.start, "resolve", services.close]}
    for step in path.get(status, []):
        if step == "resolve":
            services.resolve(actor=actor, complaint=complaint, outcome="已处理")
        else:
            step(actor=actor, complaint=complaint)
    return complaint


REFUSED = [
    # (status first, action, body, status code, code, field)
    ("submitted", "start", {}, 409, "invalid_transition", "status"),
    ("submitted", "resolve", {"outcome": "已处理"}, 409, "invalid_transition", "status"),
    ("submitted", "close", {}, 409, "invalid_transition", "status"),
    ("acknowledged", "acknowledge", {}, 409, "invalid_transition", "status"),
    ("acknowledged", "resolve", {"outcome": "已处理"}, 409, "invalid_transition", "status"),
    ("in_progress", "close", {}, 409, "invalid_transition", "status"),
    ("in_progress", "reject", {"reason": "不属于职责"}, 409, "invalid_transition", "status"),
    ("resolved", "reject", {"reason": "不属于职责"}, 409, "invalid_transition", "status"),
    ("closed", "start", {}, 409, "invalid_transition", "status"),
    ("submitted", "reply", {"text": "答复", "public": True}, 409, "not_acknowledged", "status"),
    ("closed", "reply", {"text": "答复", "public": True}, 409, "complaint_final", "status"),
    ("in_progress", "resolve", {"outcome": " "}, 422, "required", "outcome"),
    ("submitted", "reject", {"reason": ""}, 422, "required", "reason"),
    ("submitted", "acknowledge", {"note": "长" * 2001}, 422, "too_long", "note"),
    ("acknowledged", "reply", {"text": "", "public": True}, 422, "required", "text"),
    ("acknowledged", "reply", {"text": "答复"}, 422, "required", "public"),
]


@pytest.mark.parametrize("first,action,body,status,code,field", REFUSED,
                         ids=[f"{r[0]}-{r[1]}-{r[4]}" for r in REFUSED])
def test_moves_outside_the_table_are_refused_and_change_nothing(
        cast, api_client, principal, school_complaint, first, action, body, status, code, field):
    # Given a complaint in the first status
    complaint = _to(school_complaint, first, principal)
    before = state(complaint)
    # When the principal asks for a move the table does not allow, or sends a bad field
    response = post_json(api_client(principal), url(complaint, action), body)
    # Then the answer carries the code, and the complaint and its history are unchanged
    assert_error(response, status, code, field)
    assert state(complaint) == before


def test_a_complaint_out_of_scope_is_rejected_with_a_reason_the_complainant_reads(
        cast, api_client, principal, school_complaint):
    response = post_json(api_client(principal), url(school_complaint, "reject"),
                         {"reason": "反映的是高中阶段问题，请向市教育局反映。"})
    assert response.status_code == 200, response.content
    complaint = Complaint.objects.get(pk=school_complaint.pk)
    assert complaint.status == "rejected" and complaint.responded_at is not None
    tracked = api_client(None).get(f"{PUBLIC_API}/{complaint.code}").json()
    assert tracked["status"] == "rejected"
    assert tracked["replies"][-1]["note"].startswith("反映的是高中阶段问题")


def test_internal_notes_are_for_staff_only(cast, api_client, hotline, principal,
                                           school_complaint):
    # The hotline may add an internal note but not answer the complainant
    assert post_json(api_client(hotline), url(school_complaint, "reply"),
                     {"text": "来电人再次来电催办", "public": False}).status_code == 200
    assert_error(post_json(api_client(hotline), url(school_complaint, "reply"),
                           {"text": "我们会处理", "public": True}), 403, "forbidden")
    # The note is in the staff detail, not on the tracking page
    detail = api_client(principal).get(url(school_complaint)).json()
    assert ("noted", False, "来电人再次来电催办") in [
        (e["kind"], e["public"], e["note"]) for e in detail["events"]]
    assert "催办" not in api_client(None).get(
        f"{PUBLIC_API}/{school_complaint.code}").content.decode()


# ---- merging duplicates ------------------------------------------------------------------------


def test_a_duplicate_is_merged_and_its_tracking_page_shows_the_main_progress(
        cast, api_client, hotline, principal):
    main, duplicate = file(cast), file(cast, anonymous=True, subject="作业多（另一位家长）")
    # When the hotline merges the duplicate into the main complaint
    response = post_json(api_client(hotline), url(duplicate, "merge"),
                         {"duplicate_of": main.pk, "note": "同一班级同一问题"})
    # Then the duplicate is merged and names its main complaint
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["duplicate_of"]) == ("merged", main.pk)
    assert api_client(hotline).get(url(main)).json()["duplicates"] == [duplicate.pk]
    # When the school acknowledges and resolves the main complaint
    _to(main, "resolved", principal)
    # Then the duplicate's tracking page shows the main one's progress and outcome
    tracked = api_client(None).get(f"{PUBLIC_API}/{duplicate.code}").json()
    assert tracked["merged"] and tracked["status"] == "merged"
    assert (tracked["handling_status"], tracked["outcome"]) == ("resolved", "已处理")
    kinds = [r["kind"] for r in tracked["replies"]]
    assert kinds == ["filed", "merged", "acknowledged", "started", "resolved"]
    # but never the main complaint's code, nor the internal note
    text = api_client(None).get(f"{PUBLIC_API}/{duplicate.code}").content.decode()
    assert main.code not in text and main.code_display not in text and "同一班级" not in text


def test_merges_that_make_no_sense_are_refused(cast, api_client, hotline, bureau_admin_b):
    a, b, c = file(cast), file(cast), file(cast)
    other = file(cast, bureau=cast.district_b, school=cast.school_b1.pk)
    client = api_client(hotline)
    # Into itself
    assert_error(post_json(client, url(a, "merge"), {"duplicate_of": a.pk}), 422, "invalid",
                 "duplicate_of")
    # Into another district's complaint: not visible, as if missing
    assert_error(post_json(client, url(a, "merge"), {"duplicate_of": other.pk}), 404,
                 "not_found")
    # C into B, then B into A: C follows B to A (no chains)
    assert post_json(client, url(c, "merge"), {"duplicate_of": b.pk}).status_code == 200
    assert post_json(client, url(b, "merge"), {"duplicate_of": a.pk}).status_code == 200
    assert Complaint.objects.get(pk=c.pk).duplicate_of_id == a.pk
    # A merged complaint cannot be merged again, nor be a main complaint
    assert_error(post_json(client, url(b, "merge"), {"duplicate_of": a.pk}), 409,
                 "invalid_transition")
    d = file(cast)
    assert_error(post_json(client, url(d, "merge"), {"duplicate_of": b.pk}), 409,
                 "invalid_merge_target")
    assert Complaint.objects.get(pk=d.pk).status == "submitted"


# ---- reassigning -------------------------------------------------------------------------------


def test_the_hotline_reassigns_a_complaint_and_the_new_unit_takes_it_over(
        cast, api_client, hotline, principal, supervisor):
    # Given a homework complaint without a school (routed to the bureau admin)
    complaint = file(cast, school=None)
    assert api_client(principal).get(url(complaint)).status_code == 404
    # When the hotline sends it to school A1
    response = post_json(api_client(hotline), url(complaint, "reassign"),
                         {"school": cast.school_a1.pk, "reason": "经核实为甲区第一小学四年级"})
    # Then A1 sees and handles it; its deadlines are those of the filing date
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["unit_school"], body["unit_role"], body["level"]) == (cast.school_a1.pk, "",
                                                                       "school")
    assert (body["ack_due"], body["resolve_due"]) == ("2026-11-25", "2026-12-14")
    assert post_json(api_client(principal), url(complaint, "acknowledge")).status_code == 200
    # and the move is an internal event and an audit entry
    event = ComplaintEvent.objects.get(complaint=complaint, kind="reassigned")
    assert not event.public and "甲区第一小学" in event.note
    assert LogEntry.objects.filter(additional_data__code="complaints.reassigned").exists()
    # and the supervision section, not its unit, still does not see it
    assert api_client(supervisor).get(url(complaint)).status_code == 404


REASSIGN_REFUSED = [
    ({"school": None, "section": "", "reason": "转"}, 422, "required", "school"),
    ({"section": "inspector", "reason": "转"}, 422, "invalid", "section"),
    ({"section": "bureau_admin", "reason": "转"}, 422, "unchanged", "section"),
    ({"section": "supervisor", "reason": ""}, 422, "required", "reason"),
    ({"school": "B1", "reason": "转"}, 422, "invalid", "school"),
    ({"school": "A1", "section": "supervisor", "reason": "转"}, 422, "invalid", "section"),
]


@pytest.mark.parametrize("body,status,code,field", REASSIGN_REFUSED,
                         ids=[f"{r[2]}-{r[3]}" for r in REASSIGN_REFUSED])
def test_bad_reassignments_are_refused(cast, api_client, hotline, body, status, code, field):
    complaint = file(cast, category="other")
    body = {k: {"A1": cast.school_a1.pk, "B1": cast.school_b1.pk}.get(v, v)
            for k, v in body.items()}
    assert_error(post_json(api_client(hotline), url(complaint, "reassign"), body), status, code,
                 field)
    complaint.refresh_from_db()
    assert complaint.unit_role == "bureau_admin"


def test_only_open_complaints_are_reassigned_and_only_by_intake(
        cast, api_client, hotline, principal, school_complaint):
    body = {"section": "bureau_admin", "reason": "转"}
    assert_error(post_json(api_client(principal), url(school_complaint, "reassign"), body), 403,
                 "forbidden")
    _to(school_complaint, "resolved", principal)
    assert_error(post_json(api_client(hotline), url(school_complaint, "reassign"), body), 409,
                 "invalid_transition")


# ---- cards and links ---------------------------------------------------------------------------


def test_the_supervision_section_opens_cards_from_a_complaint(
        cast, api_client, supervisor, institution_complaint):
    client = api_client(supervisor)
    body = {"colour": "yellow", "reason": "周末违规开展学科类培训", "rule": "TS-1"}
    # Before acknowledging: refused
    assert_error(post_json(client, url(institution_complaint, "card"), body), 409,
                 "invalid_transition")
    post_json(client, url(institution_complaint, "acknowledge"))
    # When the supervisor opens a yellow card from the complaint
    response = post_json(client, url(institution_complaint, "card"), body)
    # Then the institution has the card, and the complaint records the link
    assert response.status_code == 201, response.content
    card = Card.objects.get(pk=response.json()["card"])
    assert (card.institution, card.colour, card.rule) == (cast.institution_1, "yellow", "TS-1")
    # and the card's evidence (which the institution reads) does not give the tracking code
    assert institution_complaint.code not in card.evidence
    assert institution_complaint.code_display not in card.evidence
    link = ComplaintLink.objects.get()
    assert (link.kind, link.object_id) == ("card", card.pk)
    # When a second yellow card follows, the institution gets a red card and stops enrolling
    second = post_json(client, url(institution_complaint, "card"), body)
    assert second.json()["enrolment_suspended"] is True
    assert Institution.objects.get(pk=cast.institution_1.pk).enrolment_suspended
    assert LogEntry.objects.filter(additional_data__code="complaints.card.issued").count() == 2


def test_a_card_needs_an_institution_and_a_card_role(cast, api_client, principal, bureau_admin,
                                                     inspector, school_complaint,
                                                     institution_complaint):
    services.acknowledge(actor=principal, complaint=school_complaint)
    body = {"colour": "yellow", "reason": "违规"}
    # No institution named: 422 (the bureau admin may card, the complaint names none)
    assert_error(post_json(api_client(bureau_admin), url(school_complaint, "card"), body), 422,
                 "required", "institution")
    # A school admin may not card institutions; an inspector only reads complaints
    assert_error(post_json(api_client(principal), url(school_complaint, "card"), body), 403,
                 "forbidden")
    assert_error(post_json(api_client(inspector), url(institution_complaint, "card"), body), 403,
                 "forbidden")
    assert not Card.objects.exists()


def test_the_ethics_officer_links_a_case(cast, api_client, ethics_officer, tutoring_complaint):
    client = api_client(ethics_officer)
    body = {"kind": "ethics_case", "object_id": 42, "note": "立案调查"}
    response = post_json(client, url(tutoring_complaint, "links"), body)
    assert response.status_code == 201, response.content
    assert (response.json()["kind"], response.json()["object_id"]) == ("ethics_case", 42)
    assert_error(post_json(client, url(tutoring_complaint, "links"), body), 409, "duplicate")
    assert_error(post_json(client, url(tutoring_complaint, "links"),
                           {"kind": "card", "object_id": 1}), 422, "invalid", "kind")
    detail = client.get(url(tutoring_complaint)).json()
    assert [(link["kind"], link["object_id"]) for link in detail["links"]] == [
        ("ethics_case", 42)]


# ---- hotline filing ----------------------------------------------------------------------------


def test_the_hotline_files_a_callers_complaint(cast, api_client, hotline):
    body = {"channel": "hotline", "category": "fees", "subject": "机构拒绝退费",
            "details": "家长反映远航艺术培训中心拒绝退还剩余课时费用三千元。", "complainant_name": "王芳",
            "complainant_phone": "13800001111", "institution": cast.institution_2.pk}
    response = post_json(api_client(hotline), API, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["channel"], created["unit_role"], created["complainant_phone"]) == (
        "hotline", "supervisor", "138****1111")
    complaint = Complaint.objects.get(pk=created["id"])
    assert complaint.filed_by == hotline
    entry = LogEntry.objects.get(additional_data__code="complaints.filed")
    assert entry.actor == hotline


def test_hotline_filing_refusals(cast, api_client, hotline, principal):
    body = {"category": "other", "subject": "其他问题", "details": "反映的情况比较复杂需要核实。",
            "anonymous": True}
    # The web channel is the public door's
    assert_error(post_json(api_client(hotline), API, {**body, "channel": "web"}), 422, "invalid",
                 "channel")
    # Another district's bureau: not visible
    assert_error(post_json(api_client(hotline), API, {**body, "bureau": cast.district_b.pk}),
                 404, "not_found")
    # A school admin does not file complaints
    assert_error(post_json(api_client(principal), API, body), 403, "forbidden")
    assert not Complaint.objects.exists()


def test_the_bureau_admin_oversees_every_unit(cast, api_client, bureau_admin, school_complaint,
                                             tutoring_complaint):
    for complaint in (school_complaint, tutoring_complaint):
        response = post_json(api_client(bureau_admin), url(complaint, "acknowledge"))
        assert response.status_code == 200, response.content
