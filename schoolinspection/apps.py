from django.apps import AppConfig


class Config(AppConfig):
    name = "schoolinspection"
    verbose_name = "责任督学与学校督导"
    default_auto_field = "django.db.models.BigAutoField"
