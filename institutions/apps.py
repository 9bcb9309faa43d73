from django.apps import AppConfig


class Config(AppConfig):
    name = "institutions"
    verbose_name = "校外培训机构"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from institutions.tasks import on_calendar_changed
        from schoolcal.signals import calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="institutions.sessions")
