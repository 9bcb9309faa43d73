"""Teacher ethics (师德师风, IN-8, PN-8, TT-6): the negative list, and cases of in-service
teachers (paid tutoring above all) from complaints, the institution staff cross-check (TT-2),
inspections or reports, with investigation steps, a finding and a sanction.

Access is restricted (issue 7): only the district's ethics officers and the principal (school
admin) of the teacher's school see a case; every read is logged. Bureau admins, inspectors and
the supervision section do not see cases (they see that a teacher match was "转师德师风处理").
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from org.roles import Role
from org.scope import scope_of


class NegativeItem(models.TextChoices):
    """The negative list: PN-8's prohibitions on in-service teachers (教师〔2015〕5号) and the red
    lines of the ten professional standards for teachers (新时代中小学教师职业行为十项准则)."""

    ORGANISE_TUTORING = "organise_tutoring", "组织、推荐和诱导学生参加校内外有偿补课"
    JOIN_TUTORING = "join_tutoring", "参加校外培训机构或由其他教师、家长、家长委员会等组织的有偿补课"
    REFER_PUPILS = "refer_pupils", "为校外培训机构和他人介绍生源、提供相关信息"
    CORPORAL_PUNISHMENT = "corporal_punishment", "体罚或变相体罚学生"
    INSULT = "insult", "歧视、侮辱学生"
    GIFTS = "gifts", "索要、收受学生及家长财物"
    SIDE_JOB = "side_job", "违规兼职兼薪"
    OTHER = "other", "其他违反师德行为"


PAID_TUTORING = {NegativeItem.ORGANISE_TUTORING, NegativeItem.JOIN_TUTORING,
                 NegativeItem.REFER_PUPILS}


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(Q(bureau_id__in=s.bureau_ids_for(Role.ETHICS_OFFICER))
                           | Q(school_id__in=s.admin_school_ids))


class Case(models.Model):
    """One ethics case about one teacher. Declared transitions; every move and every
    investigation step is a ``CaseStep``."""

    class Source(models.TextChoices):
        COMPLAINT = "complaint", "投诉举报"
        STAFF_MATCH = "staff_match", "培训机构从业人员比对（在职教师）"
        INSPECTION = "inspection", "督导检查"
        UNDERCOVER = "undercover", "暗访"
        MEDIA = "media", "媒体报道"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        OPEN = "open", "已立案"
        INVESTIGATING = "investigating", "调查中"
        CONCLUDED = "concluded", "已作出处理"
        DISMISSED = "dismissed", "不予立案/查无实据"
        CLOSED = "closed", "已结案"

    class Finding(models.TextChoices):
        FOUNDED = "founded", "属实"
        PARTLY = "partly", "部分属实"
        UNFOUNDED = "unfounded", "不属实"

    class Sanction(models.TextChoices):
        """PN-8's sanctions for teachers, mildest first."""

        NONE = "none", "不予处理"
        CRITICISM = "criticism", "批评教育"
        ADMONITION = "admonition", "诫勉谈话"
        SELF_EXAMINATION = "self_examination", "责令检查"
        PUBLIC_CRITICISM = "public_criticism", "通报批评"
        DISQUALIFICATION = "disqualification", "取消评优评先、职称评聘资格"
        ADMINISTRATIVE = "administrative", "行政处分"
        DISMISSAL = "dismissal", "解除聘用合同/撤销教师资格"

    TRANSITIONS = {
        Status.OPEN: {Status.INVESTIGATING, Status.DISMISSED},
        Status.INVESTIGATING: {Status.CONCLUDED, Status.DISMISSED},
        Status.CONCLUDED: {Status.CLOSED},
        Status.DISMISSED: {Status.CLOSED},
        Status.CLOSED: set(),
    }

    bureau = models.ForeignKey("org.Bureau", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey("org.Teacher", on_delete=models.PROTECT,
                                related_name="ethics_cases")
    number = models.CharField("案号", max_length=30, unique=True)
    category = models.CharField("负面清单条目", max_length=30, choices=NegativeItem.choices)
    source = models.CharField("线索来源", max_length=20, choices=Source.choices)
    source_ref = models.CharField("来源编号", max_length=60, blank=True,
                                  help_text="投诉跟踪码、比对线索号或检查编号")
    teacher_match = models.ForeignKey("institutions.TeacherMatch", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="ethics_cases")
    summary = models.TextField("案情摘要")
    status = models.CharField("状态", max_length=15, choices=Status.choices, default=Status.OPEN)
    finding = models.CharField("调查结论", max_length=10, choices=Finding.choices, blank=True)
    sanction = models.CharField("处理", max_length=20, choices=Sanction.choices, blank=True)
    decision = models.TextField("处理决定", blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    concluded_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()
    ACCESS = {
        "view": {Role.ETHICS_OFFICER, Role.SCHOOL_ADMIN},
        "open": {Role.ETHICS_OFFICER},
        "investigate": {Role.ETHICS_OFFICER, Role.SCHOOL_ADMIN},  # add steps
        "decide": {Role.ETHICS_OFFICER},  # transitions, finding, sanction
    }

    class Meta:
        verbose_name = "师德师风案件"
        verbose_name_plural = "师德师风案件"
        ordering = ["-opened_at", "-pk"]
        constraints = [models.CheckConstraint(
            condition=~Q(status="concluded") | (~Q(finding="") & ~Q(sanction="")),
            name="ethics_concluded_has_finding_and_sanction")]

    def __str__(self):
        return f"{self.number} {self.teacher.name}"

    def permits(self, scope, action):
        ethics = self.bureau_id in scope.bureau_ids_for(Role.ETHICS_OFFICER)
        if action in ("open", "decide"):
            return ethics
        return ethics or self.school_id in scope.admin_school_ids


class CaseStep(models.Model):
    class Kind(models.TextChoices):
        INTERVIEW = "interview", "约谈/询问"
        EVIDENCE = "evidence", "调取证据"
        VISIT = "visit", "走访/暗访"
        NOTE = "note", "工作记录"
        TRANSITION = "transition", "状态变更"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    on = models.DateField("日期")
    note = models.TextField("记录")
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "调查步骤"
        verbose_name_plural = "调查步骤"
        ordering = ["pk"]
