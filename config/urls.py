from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.cache import never_cache

from config import accounts, manual, two_factor, views
from inquiries.requests import api as request_api
from supportmeasures import urls as registry_urls

urlpatterns = [
    # The home page gathers every app's work, so it lives here; it keeps its name
    # `supportmeasures:home` (templates, redirects and LOGIN_REDIRECT_URL use it).
    path(
        "",
        include(
            (
                [path("", views.HomeView.as_view(), name="home"), *registry_urls.urlpatterns],
                registry_urls.app_name,
            )
        ),
    ),
    path("audit/", include("auditlog.workspace.urls")),
    path("api/v1/", include("supportmeasures.api_urls")),
    # Issue 11's issuance checks: an upper floor's endpoints under the same API.
    path("api/v1/issuance-checks", request_api.issuance_checks, name="issuance_checks"),
    path(
        "api/v1/issuance-checks/<str:check_id>",
        request_api.issuance_check,
        name="issuance_check",
    ),
    path("inquiries/", include("inquiries.urls")),
    path("requests/", include("inquiries.requests.urls")),
    path("propagation/", include("supportmeasures.propagation.urls")),
    path("training/", include("supportmeasures.training.urls")),
    path("help/", include((manual.urlpatterns, "help"))),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", accounts.password_change, name="password_change"),
    path("accounts/stay_signed_in/", accounts.stay_signed_in, name="stay_signed_in"),
    *two_factor.urlpatterns,
    path("accounts/webauthn/", include(two_factor.webauthn_urlpatterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", never_cache(views.healthz), name="healthz"),
    path("admin/", admin.site.urls),
]

handler400 = "config.views.bad_request"
handler404 = "config.views.not_found"
handler403 = "config.views.forbidden"
handler500 = "config.views.server_error"
