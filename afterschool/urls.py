"""After-school pages. The school's own set-up pages live in ``school_views``; the pages of
guardians, teachers and the bureau in ``people_views``."""

from afterschool import people_views, school_views

app_name = "afterschool"
urlpatterns = people_views.urlpatterns + school_views.urlpatterns
