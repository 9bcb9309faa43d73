from django.urls import path

from homework import monitoring_views

app_name = "monitoring"
urlpatterns = [path("homework/", monitoring_views.homework_monitoring, name="homework")]
