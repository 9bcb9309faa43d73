"""The demo district's teacher-ethics cases (师德师风), all about teachers of 明德区实验小学 (so the
demo ``principal`` sees them too):

- the in-service teacher the institutions demo registered as staff: the supervision section
  confirms the match, the ethics officer opens a case from it and investigates;
- the PE teacher of the paid-tutoring complaint (``complaints.demo``): a case opened by hand
  from the complaint, investigated and concluded with an admonition; the complaint is linked
  and resolved;
- one more moonlighting teacher, confirmed by the section and waiting in the ethics officer's
  list of matches to open a case from.

Written through ``institutions.services``, ``ethics.services`` and ``complaints.services`` as
the demo supervisor, ``institution`` staff and ``ethics`` officer.
"""

import datetime as dt

from django.utils import timezone

from complaints import services as complaints
from complaints.demo import tutoring_teacher
from ethics import services
from ethics.models import Case, CaseStep, NegativeItem
from institutions import services as institutions
from institutions.models import Institution, TeacherMatch
from org.demo import demo_school_code
from org.models import School, Teacher, User

Kind = CaseStep.Kind


def build_ethics_demo(district, complaints_demo, today=None):
    today = today or timezone.localdate()
    supervisor = User.objects.get(username="supervisor")
    officer = User.objects.get(username="ethics")
    school = School.objects.get(code=demo_school_code(1))

    def day(n):
        return today - dt.timedelta(days=n)

    # 1. The institutions demo's moonlighting teacher: confirmed, a case, under investigation.
    found = (TeacherMatch.objects.filter(staff__institution__bureau=district,
                                         status=TeacherMatch.Status.OPEN)
             .select_related("staff__institution").order_by("pk").first())
    if found is not None:
        institutions.close_match(actor=supervisor, match=found, confirmed=True,
                                 note="经核实，该教师在职期间在机构兼职讲授数学课，转师德师风处理。")
        case = services.open_from_match(actor=officer, match=found)
        services.add_step(actor=officer, case=case, kind=Kind.EVIDENCE, on=day(6),
                          note="调取机构排课表和课酬发放记录，显示该教师 9 月以来每周六授课。")
        services.move(actor=officer, case=case, to=Case.Status.INVESTIGATING,
                      note="线索具体，进入调查。")
        services.add_step(actor=officer, case=case, kind=Kind.INTERVIEW, on=day(2),
                          note="约谈当事教师，本人承认在机构兼职授课，表示已停止。")

    # 2. The paid-tutoring complaint: a case by hand, concluded; the complaint resolved.
    complaint = complaints_demo["paid_tutoring"]
    pe_teacher = tutoring_teacher(school)
    case = services.open_case(
        actor=officer, teacher=pe_teacher, category=NegativeItem.ORGANISE_TUTORING,
        source=Case.Source.COMPLAINT, source_ref=complaint.code_display,
        summary=f"群众来电反映{pe_teacher.name}周末在家中组织本校学生有偿补课，每次收费 150 元。")
    services.move(actor=officer, case=case, to=Case.Status.INVESTIGATING)
    services.add_step(actor=officer, case=case, kind=Kind.VISIT, on=day(5),
                      note="周六上午走访，当事教师家中有 6 名本校学生。")
    services.add_step(actor=officer, case=case, kind=Kind.INTERVIEW, on=day(4),
                      note="约谈当事教师和 3 名家长：补课属实，收费为每次 100 元。")
    services.move(actor=officer, case=case, to=Case.Status.CONCLUDED,
                  finding=Case.Finding.PARTLY, sanction=Case.Sanction.ADMONITION,
                  decision="组织本校学生有偿补课属实，收费金额与反映不符。对当事教师诫勉谈话，"
                           "责令退还所收费用，当年师德考核不得评为优秀。")
    complaints.link_case(actor=officer, complaint=complaint, kind="ethics_case",
                         object_id=case.pk, note=case.number)
    complaints.resolve(actor=officer, complaint=complaint,
                       outcome="经调查，该教师组织本校学生有偿补课属实，已给予诫勉谈话，"
                               "责令退还所收费用。")

    # 3. Another moonlighting teacher, confirmed and waiting for the ethics officer.
    staff_user = User.objects.get(username="institution")
    main = Institution.objects.filter(bureau=district).order_by("pk").first()
    english = (Teacher.objects.filter(school=school, assignments__subject="english",
                                      user__isnull=True).exclude(id_number="")
               .order_by("pk").first())
    staff = institutions.add_staff(
        actor=staff_user, institution=main, name=english.name, id_number=english.id_number,
        kind="teaching", full_time=False, subjects=["english"],
        teacher_certificate_no="2013000000000002")
    for match in TeacherMatch.objects.filter(staff=staff):
        institutions.close_match(actor=supervisor, match=match, confirmed=True,
                                 note="经核实，该教师每周日在机构讲授英语阅读课，转师德师风处理。")
    return case
