from django.urls import path

from supportmeasures import api
from supportmeasures.propagation import api as feed_api

app_name = "api"

urlpatterns = [
    path("screenings", api.screenings, name="screenings"),
    path("screenings/batch", api.screenings_batch, name="screenings_batch"),
    path("ping", api.ping, name="ping"),
    path("changes", feed_api.changes, name="changes"),
    path("changes/<str:change_id>/confirm", feed_api.confirm, name="confirm_change"),
    path("schema", api.schema, name="schema"),
]
