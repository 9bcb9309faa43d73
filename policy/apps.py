from django.apps import AppConfig


class Config(AppConfig):
    name = "policy"
    verbose_name = "规则参数"
    default_auto_field = "django.db.models.BigAutoField"
