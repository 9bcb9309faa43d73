from django.apps import AppConfig


class Config(AppConfig):
    name = "afterschool"
    verbose_name = "课后服务"
    default_auto_field = "django.db.models.BigAutoField"
