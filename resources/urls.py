from django.urls import path

from resources import views

app_name = "resources"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.edit, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/select/", views.select, name="select"),
]
