from django.apps import AppConfig


class Config(AppConfig):
    name = "api"
    default_auto_field = "django.db.models.BigAutoField"
