app_name = "exams"
urlpatterns = []
