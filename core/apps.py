from django.apps import AppConfig


class Config(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"
