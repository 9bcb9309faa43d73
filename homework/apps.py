from django.apps import AppConfig


class Config(AppConfig):
    name = "homework"
    verbose_name = "作业管理"
    default_auto_field = "django.db.models.BigAutoField"
