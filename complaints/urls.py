"""Complaint pages of bureau, hotline and school staff (/complaints/…)."""

from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.index, name="index"),
    path("file/", views.file, name="file"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export/", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/acknowledge/", views.transition, {"action": "acknowledge"}, name="acknowledge"),
    path("<int:pk>/start/", views.transition, {"action": "start"}, name="start"),
    path("<int:pk>/resolve/", views.transition, {"action": "resolve"}, name="resolve"),
    path("<int:pk>/close/", views.transition, {"action": "close"}, name="close"),
    path("<int:pk>/reject/", views.transition, {"action": "reject"}, name="reject"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/card/", views.card, name="card"),
    path("<int:pk>/links/", views.link, name="link"),
    path("<int:pk>/attachments/", views.attach, name="attach"),
    path("<int:pk>/complainant/", views.reveal, name="reveal"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
