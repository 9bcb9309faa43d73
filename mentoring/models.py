"""All-staff mentoring (全员导师制, MT-1..MT-3): per school and term, the grades covered, each
pupil's mentor (a teacher of the school, at most ``mt.max_pupils_per_mentor`` pupils), the
three tasks per pupil and term (home visit, heart-to-heart talk, written feedback), restricted
notes and a "needs attention" flag for the school psychologist.

Who sees what:
    school admin     the plan, assignments and completion (counts and dates, not the records)
    mentor           their mentees, with tasks and notes
    head teacher     their class's pupils, with tasks and notes
    psychologist     the school's pupils' notes and the flagged pupils
    bureau admin     completion figures per school
    guardian         their child's mentor and the written feedback (成长寄语)
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from org.roles import Role
from org.scope import scope_of


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(Q(school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN))
                           | Q(school_id__in=s.admin_school_ids)
                           | Q(school_id__in=s.psychologist_school_ids)
                           | Q(school_id__in=s.teacher_school_ids))


class Plan(models.Model):
    """The school's mentoring for one term: which grades are covered (MT-1)."""

    school = models.ForeignKey("org.School", on_delete=models.PROTECT,
                               related_name="mentoring_plans")
    term = models.ForeignKey("schoolcal.Term", on_delete=models.PROTECT, related_name="+")
    grades = models.JSONField("覆盖年级", default=list)
    max_pupils = models.PositiveSmallIntegerField("每位导师学生数上限")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanQuerySet.as_manager()
    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN, Role.PSYCHOLOGIST, Role.HEAD_TEACHER,
                 Role.SUBJECT_TEACHER},
        "manage": {Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "导师制方案"
        verbose_name_plural = "导师制方案"
        ordering = ["-term__start", "school_id"]
        constraints = [models.UniqueConstraint(fields=["school", "term"],
                                               name="mentoring_plan_per_term")]

    def __str__(self):
        return f"{self.school.name} {self.term}"

    def permits(self, scope, action):
        if action == "manage":
            return self.school_id in scope.admin_school_ids
        return True


class MentorshipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Mentorships whose pupil the user may know about (not the restricted records)."""
        s = scope_of(user)
        return self.filter(
            Q(plan__school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN))
            | Q(plan__school_id__in=s.admin_school_ids | s.psychologist_school_ids)
            | Q(mentor_id=s.teacher_id or 0)
            | Q(pupil__school_class_id__in=s.head_class_ids)
            | Q(pupil_id__in=s.pupil_ids))

    def current(self):
        return self.filter(ended_at__isnull=True)

    def restricted_to(self, user):
        """Mentorships whose tasks' records and notes the user may read: the mentor, the pupil's
        head teacher and the school psychologist only."""
        s = scope_of(user)
        return self.filter(Q(mentor_id=s.teacher_id or 0, ended_at__isnull=True)
                           | Q(pupil__school_class_id__in=s.head_class_ids)
                           | Q(plan__school_id__in=s.psychologist_school_ids))


class Mentorship(models.Model):
    """One pupil's mentor in one plan. Reassigning ends the old row and starts a new one."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="mentorships")
    pupil = models.ForeignKey("org.Pupil", on_delete=models.CASCADE, related_name="mentorships")
    mentor = models.ForeignKey("org.Teacher", on_delete=models.PROTECT, related_name="mentees")
    needs_attention = models.BooleanField("需要关注", default=False)
    attention_reason = models.CharField("关注原因", max_length=300, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MentorshipQuerySet.as_manager()
    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN, Role.PSYCHOLOGIST, Role.HEAD_TEACHER,
                 Role.SUBJECT_TEACHER, Role.GUARDIAN},
        "record": {Role.SUBJECT_TEACHER, Role.HEAD_TEACHER},  # tasks and notes: the mentor
        "flag": {Role.SUBJECT_TEACHER, Role.HEAD_TEACHER, Role.PSYCHOLOGIST},
    }

    class Meta:
        verbose_name = "导师关系"
        verbose_name_plural = "导师关系"
        ordering = ["plan_id", "pupil_id"]
        constraints = [models.UniqueConstraint(fields=["plan", "pupil"],
                                               condition=Q(ended_at__isnull=True),
                                               name="mentorship_one_current")]

    def sees_records(self, scope):
        """The mentor (while current), the pupil's head teacher or the school psychologist: who
        reads the records and the attention flag (needs ``plan`` and ``pupil`` loaded)."""
        return (self.mentor_id == scope.teacher_id and self.ended_at is None) or \
            self.pupil.school_class_id in scope.head_class_ids or \
            self.plan.school_id in scope.psychologist_school_ids

    def permits(self, scope, action):
        mentor = self.mentor_id == scope.teacher_id
        if action == "record":
            return mentor
        if action == "flag":
            return mentor or self.plan.school_id in scope.psychologist_school_ids or \
                self.pupil.school_class_id in scope.head_class_ids
        return True


class Task(models.Model):
    """One of the three tasks (三个一, MT-2) done for a pupil, with a short restricted record."""

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", "家访"
        TALK = "talk", "交心谈话"
        WRITTEN_FEEDBACK = "written_feedback", "书面反馈（成长寄语）"

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField("任务", max_length=20, choices=Kind.choices)
    on = models.DateField("日期")
    record = models.TextField("记录", max_length=1000)
    shared_with_family = models.BooleanField("家长可见", default=False,
                                             help_text="书面反馈可让家长看到")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "导师任务"
        verbose_name_plural = "导师任务"
        ordering = ["mentorship_id", "on", "pk"]


class Note(models.Model):
    """A restricted note about a mentee: only the mentor, the head teacher and the school
    psychologist read it."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField("内容", max_length=2000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "导师记录（受限）"
        verbose_name_plural = "导师记录（受限）"
        ordering = ["-created_at", "-pk"]
