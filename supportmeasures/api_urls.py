from django.urls import path

from supportmeasures import api

app_name = "api"

urlpatterns = [
    path("screenings", api.screenings, name="screenings"),
    path("screenings/batch", api.screenings_batch, name="screenings_batch"),
    path("ping", api.ping, name="ping"),
    path("schema", api.schema, name="schema"),
]
