from django.apps import AppConfig


class Config(AppConfig):
    name = "schoolcal"
    default_auto_field = "django.db.models.BigAutoField"
