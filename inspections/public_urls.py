"""Published inspection results (一公开) for everyone (/public/inspections/…), no login."""

app_name = "public-inspections"
urlpatterns = []
