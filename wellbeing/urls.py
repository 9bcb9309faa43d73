"""Five managements and burden monitoring pages (/wellbeing/…): the hub, school settings and
reading lists (``views``), surveys (``survey_views``), the burden report, its publication and
the public page (``burden_views``)."""

from wellbeing import burden_views, survey_views, views

app_name = "wellbeing"
urlpatterns = views.urlpatterns + survey_views.urlpatterns + burden_views.urlpatterns
