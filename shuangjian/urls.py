from django.urls import include, path

from api.urls import api
from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", core_views.logout_view, name="logout"),
    path("help/", core_views.help_page, name="help"),
    path("help/<slug:slug>/", core_views.help_page, name="help-page"),
    path("org/", include("org.urls")),
    path("calendar/", include("schoolcal.urls")),
    path("audit/", include("audit.urls")),
    path("policy/", include("policy.urls")),
    path("homework/", include("homework.urls")),
    path("monitoring/", include("homework.monitoring_urls")),
    path("exams/", include("exams.urls")),
    path("resources/", include("resources.urls")),
    path("after-school/", include("afterschool.urls")),
    path("institutions/", include("institutions.urls")),
    path("funds/", include("funds.urls")),
    path("complaints/", include("complaints.urls")),
    path("public/complaints/", include("complaints.public_urls")),
    path("inspections/", include("inspections.urls")),
    path("public/inspections/", include("inspections.public_urls")),
    path("school-inspection/", include("schoolinspection.urls")),
    path("ethics/", include("ethics.urls")),
    path("mentoring/", include("mentoring.urls")),
    path("wellbeing/", include("wellbeing.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("public/institutions/", include("institutions.public_urls")),
    path("api/v1/", api.urls),
]

handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"
