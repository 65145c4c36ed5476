from django.urls import path

from supportmeasures.training import views

app_name = "training"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("test/", views.TestView.as_view(), name="test"),
    path("result/", views.ResultView.as_view(), name="result"),
    path("rules/<slug:page_id>/", views.PageView.as_view(), name="page"),
]
