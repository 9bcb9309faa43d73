from django.apps import AppConfig


class Config(AppConfig):
    name = "wellbeing"
    verbose_name = "五项管理与课业负担监测"
    default_auto_field = "django.db.models.BigAutoField"
