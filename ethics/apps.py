from django.apps import AppConfig


class Config(AppConfig):
    name = "ethics"
    verbose_name = "师德师风"
    default_auto_field = "django.db.models.BigAutoField"
