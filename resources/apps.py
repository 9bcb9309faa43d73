from django.apps import AppConfig


class Config(AppConfig):
    name = "resources"
    verbose_name = "优质作业资源库"
    default_auto_field = "django.db.models.BigAutoField"
