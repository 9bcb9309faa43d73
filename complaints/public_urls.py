"""The public complaint form and tracking page (/public/complaints/…), no login."""

from complaints import public_views

app_name = "public-complaints"
urlpatterns = public_views.urlpatterns
