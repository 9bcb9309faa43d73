"""After-school pages for the school admin (programme, timetable, instructors, courses, lottery,
fees, hours and pay)."""

urlpatterns = []
