from django.apps import AppConfig


class Config(AppConfig):
    name = "mentoring"
    verbose_name = "全员导师制"
    default_auto_field = "django.db.models.BigAutoField"
