from django.apps import AppConfig


class Config(AppConfig):
    name = "funds"
    verbose_name = "预收费资金监管"
    default_auto_field = "django.db.models.BigAutoField"
