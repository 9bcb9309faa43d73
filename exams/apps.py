from django.apps import AppConfig


class Config(AppConfig):
    name = "exams"
    verbose_name = "考试与测试"
    default_auto_field = "django.db.models.BigAutoField"
