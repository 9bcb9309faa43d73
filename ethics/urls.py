"""Teacher-ethics pages (师德师风): cases, the negative list; mounted at /ethics/."""

from django.urls import path

from ethics import views

app_name = "ethics"
urlpatterns = [
    path("", views.index, name="index"),
    path("cases/open/", views.open_case, name="case-open"),
    path("matches/<int:pk>/open/", views.open_from_match, name="match-open"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/steps/", views.add_step, name="case-step"),
    path("cases/<int:pk>/move/", views.move, name="case-move"),
    path("negative-list/", views.negative_list, name="negative-list"),
]
