"""Small helpers the wellbeing pages share: which schools and terms a user reports on, the term
chosen in the query string, percentages, and the Excel response."""

import io

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from core.access import visible
from org.models import School
from org.roles import Role
from schoolcal.models import Term
from wellbeing.models import BUREAU_READERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def overseen_schools(user):
    """Schools the user oversees here: the district's (bureau admins, inspectors) or their own
    (school admins). Teachers and grade leaders oversee none."""
    scope = user.scope
    return visible(user, School).filter(
        Q(bureau_id__in=scope.bureau_ids_for(*BUREAU_READERS)) | Q(pk__in=scope.admin_school_ids))


def is_overseer(user):
    scope = user.scope
    return scope.has(*BUREAU_READERS) or bool(scope.admin_school_ids)


def is_bureau_admin_of(user, bureau_id):
    return bureau_id in user.scope.bureau_ids_for(Role.BUREAU_ADMIN)


def terms_for(user):
    """Terms of the bureaus whose schools the user oversees, newest first."""
    bureaus = overseen_schools(user).values("bureau_id")
    return list(visible(user, Term).filter(bureau_id__in=bureaus).select_related("bureau")
                .order_by("-start", "pk"))


def choose_term(request, terms):
    """The term asked for (?term=), else the one running today, else the latest."""
    wanted = request.GET.get("term") or request.POST.get("term")
    chosen = next((t for t in terms if str(t.pk) == str(wanted)), None)
    today = timezone.localdate()
    return chosen or next((t for t in terms if t.start <= today <= t.end), None) or (
        terms[0] if terms else None)


def pct(value):
    """A share (0.8125) as a percentage number (81.2), None stays None."""
    return None if value is None else round(value * 100, 1)


def xlsx_response(book, filename):
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def new_book():
    return Workbook(write_only=True)


def verdict(ok):
    return {True: "符合", False: "不符合", None: "未填写"}[ok]
