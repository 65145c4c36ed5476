from django.urls import path

from supportmeasures.propagation import views

app_name = "propagation"

urlpatterns = [
    path("tasks/", views.TaskListView.as_view(), name="tasks"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task"),
    path("tasks/<int:pk>/confirm/", views.ConfirmTaskView.as_view(), name="confirm"),
    path("tasks/<int:pk>/fail/", views.FailTaskView.as_view(), name="fail"),
]
