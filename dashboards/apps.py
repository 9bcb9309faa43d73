from django.apps import AppConfig


class Config(AppConfig):
    name = "dashboards"
    verbose_name = "监测看板、学校评价与月报"
    default_auto_field = "django.db.models.BigAutoField"
