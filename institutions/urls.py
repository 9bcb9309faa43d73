"""Institution pages: the supervision section's (``supervision_views``) and an institution's own
(``own_views``). The anonymous public lookup is ``public_urls`` (mounted at /public/)."""

from institutions import own_views, supervision_views

app_name = "institutions"
urlpatterns = supervision_views.urlpatterns + own_views.urlpatterns
