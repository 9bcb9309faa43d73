from django.apps import AppConfig


class Config(AppConfig):
    name = "org"
    default_auto_field = "django.db.models.BigAutoField"
