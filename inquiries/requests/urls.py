from django.urls import path

from inquiries.requests import views

app_name = "requests"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="list"),
    path("new/", views.NewRequestView.as_view(), name="new"),
    path("review/", views.ReviewQueueView.as_view(), name="queue"),
    path("issuances/<int:pk>/dispose/", views.DisposeView.as_view(), name="dispose"),
    path("<uuid:public_id>/", views.RequestDetailView.as_view(), name="detail"),
    path("<uuid:public_id>/review/", views.ReviewView.as_view(), name="review"),
    path("<uuid:public_id>/issue/", views.IssueView.as_view(), name="issue"),
    path("<uuid:public_id>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
]
