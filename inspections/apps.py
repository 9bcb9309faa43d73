from django.apps import AppConfig


class Config(AppConfig):
    name = "inspections"
    verbose_name = "双随机抽查与督导"
    default_auto_field = "django.db.models.BigAutoField"
