"""The demo district's all-staff mentoring (全员导师制) at 明德区实验小学: the current term's plan
covering grades 4 and 7 where the school has them (a primary school: grade 4), every pupil given
a mentor by the automatic assignment, and the three tasks (三个一) under way:

- the ``headteacher`` mentors the ``parent``'s child: a home visit, a talk and a written feedback
  shared with the family (the parent reads it as 成长寄语);
- the ``teacher`` has done all three tasks for one mentee and some for two others, and flagged
  one of them as needing attention; the ``psychologist`` has added a restricted note.

Written through ``mentoring.services`` as the demo principal, teachers and psychologist. Task
dates fall in the term and before today.
"""

import datetime as dt

from django.utils import timezone

from mentoring import services
from mentoring.models import Mentorship, Task
from org.demo import demo_school_code
from org.models import Pupil, School, Teacher, User
from schoolcal.models import Term

Kind = Task.Kind


def current_term(district, today):
    """The term under way today, else the last one begun (task dates must lie in the term)."""
    terms = Term.objects.filter(bureau=district, start__lte=today).order_by("-start")
    return terms.filter(end__gte=today).first() or terms.first()


def build_mentoring_demo(district, today=None):
    today = today or timezone.localdate()
    term = current_term(district, today)
    if term is None:
        return None
    principal, teacher, head, psychologist, parent = (User.objects.get(username=name) for name in (
        "principal", "teacher", "headteacher", "psychologist", "parent"))
    school = School.objects.get(code=demo_school_code(1))
    grades = [g for g in (4, 7) if g in school.grades] or list(school.grades)
    plan = services.create_plan(actor=principal, school=school, term=term, grades=grades)
    services.assign_automatically(actor=principal, plan=plan)
    last = min(term.end, today)

    def day(n):
        return max(term.start, last - dt.timedelta(days=n))

    def record(user, mentorship, kind, n, text, shared=False):
        services.record_task(actor=user, mentorship=mentorship, kind=kind, on=day(n),
                             record=text, shared_with_family=shared)

    # The parent's child, mentored by their head teacher.
    child = Pupil.objects.filter(guardian_links__guardian__user=parent).order_by("pk").first()
    mentor = Teacher.objects.get(user=head)
    mentorship = Mentorship.objects.current().filter(plan=plan, pupil=child).first()
    if child is not None and child.school_class.grade in grades:
        if mentorship is None or mentorship.mentor_id != mentor.pk:
            mentorship = services.assign(actor=principal, plan=plan, pupil=child, mentor=mentor)
        record(head, mentorship, Kind.HOME_VISIT, 24, "到家中家访，与父母交流孩子的作息和阅读习惯。")
        record(head, mentorship, Kind.TALK, 11, "课间谈心：孩子喜欢科学课，对分数计算有些畏难。")
        record(head, mentorship, Kind.WRITTEN_FEEDBACK, 3,
               f"{child.name}同学：这学期你上课更专注了，科学小实验做得很认真。"
               "遇到难题别着急，多问多练，老师相信你会越来越好！", shared=True)
    for other in Mentorship.objects.current().filter(plan=plan, mentor=mentor).exclude(
            pupil=child).order_by("pupil_id")[:3]:
        record(head, other, Kind.TALK, 9, "了解近期学习和交友情况，情绪稳定。")

    # The maths teacher's mentees: one with all three tasks, two begun, one flagged.
    mentees = list(Mentorship.objects.current().filter(plan=plan, mentor__user=teacher)
                   .order_by("pupil_id")[:3])
    if mentees:
        record(teacher, mentees[0], Kind.HOME_VISIT, 20, "家访：家长关心孩子的数学学习，约定每周反馈一次。")
        record(teacher, mentees[0], Kind.TALK, 12, "谈心：孩子想参加学校编程社团。")
        record(teacher, mentees[0], Kind.WRITTEN_FEEDBACK, 4,
               "你的口算又快又准，继续保持；字再写工整些就更好了。")
    if len(mentees) > 1:
        flagged = mentees[1]
        record(teacher, flagged, Kind.TALK, 8, "谈心：近两周情绪低落，作业多次未交，说晚上睡不好。")
        services.flag(actor=teacher, mentorship=flagged, needs_attention=True,
                      reason="近两周情绪低落、睡眠不好，作业多次未交，已与家长沟通。")
        services.add_note(actor=psychologist, mentorship=flagged,
                          text="已约学生本周四下午到心理辅导室谈话，并电话告知家长。")
    if len(mentees) > 2:
        record(teacher, mentees[2], Kind.HOME_VISIT, 15,
               "家访：家中有弟弟，学习环境较吵，建议在校完成书面作业。")
    return plan
