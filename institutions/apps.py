from django.apps import AppConfig


class Config(AppConfig):
    name = "institutions"
    default_auto_field = "django.db.models.BigAutoField"
