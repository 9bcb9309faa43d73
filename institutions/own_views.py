"""Institution pages of an institution's own staff, the application form and the public
lookup."""

urlpatterns = []
public_urlpatterns = []
