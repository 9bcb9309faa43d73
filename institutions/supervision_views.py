"""Institution pages of the supervision section (监管科), inspectors and the bureau."""

urlpatterns = []
