from django.urls import path

from exams import views

app_name = "exams"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/results/", views.results, name="results"),
    path("children/<int:pupil_pk>/", views.child, name="child"),
]
