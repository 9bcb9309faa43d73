"""Inspection pages of the bureau, the supervision section and inspectors (/inspections/…)."""

app_name = "inspections"
urlpatterns = []
