from django.urls import path

from org import account_views, views

app_name = "org"
urlpatterns = [
    path("schools/", views.school_list, name="schools"),
    path("schools/new/", views.school_edit, name="school-create"),
    path("schools/<int:pk>/", views.school_detail, name="school"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school-edit"),
    path("schools/<int:school_pk>/classes/new/", views.class_create, name="class-create"),
    path("schools/<int:school_pk>/teachers/new/", views.teacher_edit, name="teacher-create"),
    path("teachers/<int:pk>/edit/", views.teacher_edit, name="teacher-edit"),
    path("classes/", views.my_classes, name="my-classes"),
    path("classes/<int:pk>/", views.class_detail, name="class"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class-edit"),
    path("classes/<int:pk>/export.xlsx", views.class_export, name="class-export"),
    path("classes/<int:class_pk>/pupils/new/", views.pupil_edit, name="pupil-create"),
    path("pupils/<int:pk>/", views.pupil_detail, name="pupil"),
    path("pupils/<int:pk>/edit/", views.pupil_edit, name="pupil-edit"),
    path("pupils/<int:pk>/id-number/", views.pupil_reveal, name="pupil-reveal"),
    path("roster/", views.roster_import, name="roster-import"),
    path("roster/template.xlsx", views.roster_template, name="roster-template"),
    path("children/", views.my_children, name="my-children"),
    path("accounts/", account_views.account_list, name="accounts"),
    path("accounts/new/", account_views.account_create, name="account-create"),
    path("accounts/<int:pk>/", account_views.account_detail, name="account"),
    path("accounts/<int:pk>/password/", account_views.account_password, name="account-password"),
    path("accounts/<int:pk>/active/", account_views.account_active, name="account-active"),
    path("accounts/<int:pk>/roles/<int:assignment_pk>/revoke/", account_views.role_revoke,
         name="role-revoke"),
    path("teachers/<int:pk>/account/", account_views.teacher_account, name="teacher-account"),
    path("guardians/<int:pk>/account/", account_views.guardian_account, name="guardian-account"),
]
