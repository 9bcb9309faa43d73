"""School supervision pages (/school-inspection/…): responsible inspectors, weekly self-checks,
monthly visits and rectification tasks."""

from django.urls import path

from schoolinspection import school_views, views

app_name = "schoolinspection"
urlpatterns = [
    path("", views.index, name="index"),
    path("overview/", views.overview, name="overview"),
    path("overview/export/", views.export, name="export"),
    path("assignments/", views.assign, name="assign"),
    path("mine/", views.mine, name="mine"),
    path("schools/<int:pk>/", school_views.school, name="school"),
    path("schools/<int:pk>/self-check/", school_views.self_check, name="self-check"),
    path("schools/<int:pk>/visits/new/", school_views.visit_new, name="visit-new"),
    path("schools/<int:pk>/tasks/new/", school_views.task_new, name="task-new"),
    path("self-checks/<int:pk>/", school_views.self_check_detail, name="self-check-detail"),
    path("visits/<int:pk>/", school_views.visit, name="visit"),
    path("tasks/", school_views.tasks, name="tasks"),
    path("tasks/<int:pk>/", school_views.task, name="task"),
    path("tasks/<int:pk>/submit/", school_views.task_submit, name="task-submit"),
    path("tasks/<int:pk>/accept/", school_views.task_accept, name="task-accept"),
    path("tasks/<int:pk>/return/", school_views.task_return, name="task-return"),
]
