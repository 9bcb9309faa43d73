"""Assembles /api/v1/ from each app's router."""

from afterschool.api import router as afterschool_router
from api.main import api
from api.routes import router as auth_router
from audit.api import router as audit_router
from complaints.api import public_router as public_complaints_router
from complaints.api import router as complaints_router
from dashboards.api import router as dashboards_router
from ethics.api import router as ethics_router
from exams.api import router as exams_router
from funds.api import router as funds_router
from homework.api import router as homework_router
from inspections.api import public_router as public_inspections_router
from inspections.api import router as inspections_router
from institutions.api import public_router as public_institutions_router
from institutions.api import router as institutions_router
from mentoring.api import router as mentoring_router
from org.api import router as org_router
from policy.api import router as policy_router
from resources.api import router as resources_router
from schoolcal.api import router as calendar_router
from schoolinspection.api import router as schoolinspection_router
from wellbeing.api import router as wellbeing_router

api.add_router("", auth_router)
api.add_router("", org_router)
api.add_router("/calendar", calendar_router)
api.add_router("/audit", audit_router)
api.add_router("", homework_router)
api.add_router("/policy", policy_router)
api.add_router("/exams", exams_router)
api.add_router("/resources", resources_router)
api.add_router("/after-school", afterschool_router)
api.add_router("", institutions_router)
api.add_router("/public", public_institutions_router)
api.add_router("/funds", funds_router)
api.add_router("/complaints", complaints_router)
api.add_router("/inspections", inspections_router)
api.add_router("/ethics", ethics_router)
api.add_router("/mentoring", mentoring_router)
api.add_router("/wellbeing", wellbeing_router)
api.add_router("/dashboards", dashboards_router)
api.add_router("/school-inspection", schoolinspection_router)
api.add_router("/public", public_inspections_router)
api.add_router("/public/complaints", public_complaints_router)

__all__ = ["api"]
