"""Mentoring pages (/mentoring/…): the hub and one mentee's page in ``people_views``; the school
admin's plan, assignment and completion pages and the bureau's district page in
``school_views``."""

from mentoring import people_views, school_views

app_name = "mentoring"
urlpatterns = people_views.urlpatterns + school_views.urlpatterns
