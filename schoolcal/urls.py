from django.urls import path

from schoolcal import views

app_name = "calendar"
urlpatterns = [
    path("", views.index, name="index"),
    path("terms/new/", views.term_edit, name="term-create"),
    path("terms/<int:pk>/", views.term_edit, name="term-edit"),
    path("vacations/new/", views.vacation_edit, name="vacation-create"),
    path("vacations/<int:pk>/", views.vacation_edit, name="vacation-edit"),
    path("overrides/", views.override_save, name="override-save"),
    path("overrides/<int:pk>/delete/", views.override_delete, name="override-delete"),
]
