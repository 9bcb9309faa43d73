from django.apps import AppConfig


class Config(AppConfig):
    name = "afterschool"
    verbose_name = "课后服务"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from afterschool.tasks import on_calendar_changed
        from schoolcal.signals import calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="afterschool.sessions")
