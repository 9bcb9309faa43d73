from django.urls import path

from policy import views

app_name = "policy"
urlpatterns = [path("", views.index, name="index")]
