"""Paging for list pages: 50 rows a page, ?page= in the query string."""

from django.core.paginator import Paginator


def paginate(request, queryset, per_page=50):
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    page.querystring = query.urlencode()
    return page
