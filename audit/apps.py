from django.apps import AppConfig


class Config(AppConfig):
    verbose_name = "审计日志"
    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"
