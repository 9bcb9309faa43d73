"""What organisation units a user reaches, computed once per request.

``scope_of(user)`` reads the user's role assignments and teacher/guardian profiles (a handful of
small queries) and caches the result on the user object, so every ``visible_to`` in one request
shares it.
"""

from dataclasses import dataclass, field

from org.roles import Role

EMPTY_ROLES: frozenset = frozenset()


@dataclass
class Scope:
    roles: set = field(default_factory=set)
    # role -> bureau ids (the assigned bureau and every bureau below it)
    bureaus_by_role: dict = field(default_factory=dict)
    admin_school_ids: set = field(default_factory=set)
    psychologist_school_ids: set = field(default_factory=set)
    grade_scopes: set = field(default_factory=set)  # {(school_id, grade)}
    head_class_ids: set = field(default_factory=set)
    taught_class_ids: set = field(default_factory=set)
    teacher_school_ids: set = field(default_factory=set)
    pupil_ids: set = field(default_factory=set)
    institution_ids: set = field(default_factory=set)
    home_bureau_id: int | None = None  # the bureau the user is assigned to (not below it)
    teacher_id: int | None = None
    guardian_id: int | None = None
    user_id: int | None = None

    @property
    def bureau_ids(self):
        """Bureaus reached through any bureau role."""
        return set().union(*self.bureaus_by_role.values()) if self.bureaus_by_role else set()

    def bureau_ids_for(self, *roles):
        ids = set()
        for role in roles:
            ids |= self.bureaus_by_role.get(role, set())
        return ids

    @property
    def school_ids(self):
        """Schools the user works in (as admin, grade leader, psychologist or teacher)."""
        return self.admin_school_ids | {s for s, _ in self.grade_scopes} | \
            self.psychologist_school_ids | self.teacher_school_ids

    @property
    def class_ids(self):
        return self.head_class_ids | self.taught_class_ids

    def has(self, *roles):
        return bool(self.roles.intersection(roles))


ANONYMOUS = Scope()


def _with_descendants(bureau_ids):
    from org.models import Bureau

    found, frontier = set(bureau_ids), set(bureau_ids)
    while frontier:  # the tree is shallow: province → city → district
        frontier = set(Bureau.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier -= found
        found |= frontier
    return found


def compute_scope(user):
    from org.models import Guardianship, RoleAssignment, SchoolClass, Teacher, TeachingAssignment

    s = Scope()
    if not user or not user.is_authenticated or not user.is_active:
        return s
    s.user_id = user.pk
    for ra in RoleAssignment.objects.filter(user=user):
        s.roles.add(Role(ra.role))
        if ra.role in Role.BUREAU_ROLES or ra.role == Role.CUSTODIAN_BANK:
            s.bureaus_by_role.setdefault(Role(ra.role), set()).add(ra.bureau_id)
            s.home_bureau_id = s.home_bureau_id or ra.bureau_id
        elif ra.role == Role.SCHOOL_ADMIN:
            s.admin_school_ids.add(ra.school_id)
        elif ra.role == Role.PSYCHOLOGIST:
            s.psychologist_school_ids.add(ra.school_id)
        elif ra.role == Role.GRADE_LEADER:
            s.grade_scopes.add((ra.school_id, ra.grade))
        elif ra.role == Role.INSTITUTION_STAFF:
            s.institution_ids.add(ra.institution_id)
    for role, ids in s.bureaus_by_role.items():
        s.bureaus_by_role[role] = _with_descendants(ids)

    teacher = Teacher.objects.filter(user=user).only("pk", "school_id").first()
    if teacher:
        s.teacher_id = teacher.pk
        s.teacher_school_ids.add(teacher.school_id)
        s.head_class_ids = set(
            SchoolClass.objects.filter(head_teacher=teacher).values_list("pk", flat=True))
        s.taught_class_ids = set(
            TeachingAssignment.objects.filter(teacher=teacher).values_list("school_class_id",
                                                                           flat=True))
        if s.head_class_ids:
            s.roles.add(Role.HEAD_TEACHER)
        if s.taught_class_ids:
            s.roles.add(Role.SUBJECT_TEACHER)

    links = Guardianship.objects.filter(guardian__user=user).values_list("guardian_id", "pupil_id")
    for guardian_id, pupil_id in links:
        s.guardian_id = guardian_id
        s.pupil_ids.add(pupil_id)
    if s.pupil_ids:
        s.roles.add(Role.GUARDIAN)
    return s


def scope_of(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_scope_cache", None)
    if cached is None:
        cached = user._scope_cache = compute_scope(user)
    return cached
