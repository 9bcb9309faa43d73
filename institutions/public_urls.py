"""The anonymous public lookup pages (mounted at /public/institutions/)."""

from institutions import own_views

app_name = "public"
urlpatterns = own_views.public_urlpatterns
