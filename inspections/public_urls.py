"""Published inspection results (一公开) for everyone (/public/inspections/…), no login."""

from inspections import public_views

app_name = "public-inspections"
urlpatterns = public_views.urlpatterns
