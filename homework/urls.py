from django.urls import path

from homework import sample_views, views

# Dates are ISO dates (2026-11-23); the views answer 404 to anything else.
app_name = "homework"
urlpatterns = [
    path("", views.index, name="index"),
    path("classes/<int:class_pk>/calibration/", views.calibration, name="calibration"),
    path("classes/<int:class_pk>/<str:date>/", views.board, name="board"),
    path("classes/<int:class_pk>/<str:date>/file/", views.file_homework, name="file"),
    path("classes/<int:class_pk>/<str:date>/publish/", views.publish, name="publish"),
    path("classes/<int:class_pk>/<str:date>/unpublish/", views.unpublish, name="unpublish"),
    path("classes/<int:class_pk>/<str:date>/exception/", views.exception, name="exception"),
    path("items/<int:pk>/edit/", views.edit, name="edit"),
    path("items/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("weeks/", views.weeks, name="weeks"),
    path("weeks/<int:class_pk>/<str:week_start>/", views.week, name="week"),
    path("weeks/<int:class_pk>/<str:week_start>/review/", views.review, name="review"),
    path("weeks/<int:class_pk>/<str:week_start>/reopen/", views.reopen, name="reopen"),
    path("weeks/<int:class_pk>/<str:week_start>/sample/", sample_views.sample, name="sample"),
    path("children/<int:pupil_pk>/", views.child, name="child"),
    path("children/<int:pupil_pk>/report/", views.report, name="report"),
    path("drift/", views.drift, name="drift"),
]
