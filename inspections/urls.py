"""Inspection pages of the bureau, the supervision section and inspectors (/inspections/…)."""

from inspections import bureau_views, joint_views

app_name = "inspections"
urlpatterns = bureau_views.urlpatterns + joint_views.urlpatterns
