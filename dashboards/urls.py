"""Dashboards (/dashboard/…): district, school and class pages with their Excel exports, the
school evaluation (QM-2) and the monthly bulletins (QM-3)."""

from django.urls import path

from dashboards import bulletin_views, entry_views, evaluation_views, views

app_name = "dashboards"
urlpatterns = [
    path("", views.district, name="district"),
    path("mine/", entry_views.mine, name="mine"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("classes/<int:pk>/", views.klass, name="class"),
    path("evaluation/", evaluation_views.table, name="evaluation"),
    path("evaluation/weights/", evaluation_views.weights, name="evaluation-weights"),
    path("bulletins/", bulletin_views.index, name="bulletins"),
    path("bulletins/<int:pk>/", bulletin_views.detail, name="bulletin"),
    path("bulletins/<int:pk>/pdf/", bulletin_views.pdf, name="bulletin-pdf"),
    path("bulletins/<int:pk>/xlsx/", bulletin_views.xlsx, name="bulletin-xlsx"),
]
