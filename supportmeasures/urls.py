from django.urls import path

from supportmeasures import views
from supportmeasures.propagation import forwarding_views

app_name = "supportmeasures"

urlpatterns = [
    # "" is the home page (name "home"), which config/urls.py adds: it gathers every app's work.
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/batch/", views.BatchScreeningView.as_view(), name="batch_screening"),
    path("search/inspection-list/", views.InspectionListView.as_view(), name="inspection_list"),
    path("people/<uuid:public_id>/", views.PersonView.as_view(), name="person"),
    path(
        "people/<uuid:public_id>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"
    ),
    path("people/<uuid:public_id>/details/", views.DetailsView.as_view(), name="details"),
    path(
        "people/<uuid:public_id>/details/print/",
        views.PrintDetailsView.as_view(),
        name="print_details",
    ),
    path("measures/", views.MeasureListView.as_view(), name="measures"),
    path("measures/new/", views.RegisterApplicationView.as_view(), name="register"),
    path("measures/bulk/", views.BulkRunView.as_view(), name="bulk_run"),
    path(
        "measures/forwarded/new/",
        forwarding_views.ReceiveForwardedView.as_view(),
        name="receive_forwarded",
    ),
    path("measures/<str:ref>/", views.MeasureDetailView.as_view(), name="measure"),
    path("measures/<str:ref>/decide/", views.DecideView.as_view(), name="decide"),
    path("measures/<str:ref>/extend/", views.ExtendView.as_view(), name="extend"),
    path(
        "measures/<str:ref>/ending-notice/",
        views.EndingNoticeView.as_view(),
        name="ending_notice",
    ),
    path(
        "measures/<str:ref>/ending-notice/print/",
        views.PrintEndingNoticeView.as_view(),
        name="print_ending_notice",
    ),
    path("measures/<str:ref>/end/", views.EndView.as_view(), name="end"),
    path("measures/<str:ref>/release/", views.ReleaseView.as_view(), name="release"),
    path(
        "measures/<str:ref>/correct-period/",
        views.CorrectPeriodView.as_view(),
        name="correct_period",
    ),
    path("measures/<str:ref>/grant/", views.GrantView.as_view(), name="grant"),
    path("measures/<str:ref>/forward/", forwarding_views.ForwardView.as_view(), name="forward"),
    path(
        "measures/<str:ref>/forwardings/<int:pk>/reply/",
        forwarding_views.ReplyView.as_view(),
        name="forward_reply",
    ),
    path("measures/<str:ref>/move-out/", forwarding_views.MoveOutView.as_view(), name="move_out"),
    path(
        "measures/<str:ref>/grants/<int:staff_id>/revoke/",
        views.RevokeView.as_view(),
        name="revoke",
    ),
]
