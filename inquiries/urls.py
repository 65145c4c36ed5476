from django.urls import path

from inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("", views.ListView.as_view(), name="list"),
    path("new/", views.NewInquiryView.as_view(), name="new"),
    path("queue/", views.QueueView.as_view(), name="queue"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("plans/new/", views.PlanFormView.as_view(), name="new_plan"),
    path("plans/<uuid:public_id>/", views.PlanDetailView.as_view(), name="plan"),
    path("plans/<uuid:public_id>/edit/", views.PlanFormView.as_view(), name="edit_plan"),
    path("plans/<uuid:public_id>/contact/", views.PlanContactView.as_view(), name="plan_contact"),
    path(
        "plans/<uuid:public_id>/contact/print/",
        views.PlanContactPrintView.as_view(),
        name="print_plan_contact",
    ),
    path(
        "plans/<uuid:public_id>/<str:action>/", views.PlanActionView.as_view(), name="plan_action"
    ),
    path("<uuid:public_id>/", views.InquiryDetailView.as_view(), name="detail"),
    path("<uuid:public_id>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("<uuid:public_id>/print/", views.InquiryPrintView.as_view(), name="print"),
    path("<uuid:public_id>/sign-off/", views.SignOffView.as_view(), name="sign_off"),
    path("<uuid:public_id>/raise/", views.RaiseStatusView.as_view(), name="raise"),
    path("<uuid:public_id>/answer/", views.AnswerView.as_view(), name="answer"),
    path(
        "<uuid:public_id>/answer/sign-off/",
        views.SignOffAnswerView.as_view(),
        name="sign_off_answer",
    ),
]
