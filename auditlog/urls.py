from django.urls import path

from auditlog import views

app_name = "auditlog"

urlpatterns = [
    path("", views.EventListView.as_view(), name="events"),
    path("people/<uuid:public_id>/", views.PersonHistoryView.as_view(), name="person"),
    path("staff/<int:staff_id>/", views.StaffActivityView.as_view(), name="staff"),
    path("export/", views.ExportView.as_view(), name="export"),
]
