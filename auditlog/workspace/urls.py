from django.urls import path

from auditlog.workspace import report_views, views

app_name = "auditlog"

urlpatterns = [
    path("", views.EventListView.as_view(), name="events"),
    path("people/<uuid:public_id>/", views.PersonHistoryView.as_view(), name="person"),
    path("staff/<int:staff_id>/", views.StaffActivityView.as_view(), name="staff"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("jobs/", views.JobRunsView.as_view(), name="jobs"),
    path("requests/", views.DocumentRequestsView.as_view(), name="requests"),
    path("dashboard/", report_views.DashboardView.as_view(), name="dashboard"),
    path("reports/", report_views.ReportListView.as_view(), name="reports"),
    path("reports/<slug:code>/", report_views.ReportView.as_view(), name="report"),
]
