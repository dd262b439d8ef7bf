from django.contrib import admin
from django.urls import include, path

from portal import metrics

# /healthz is answered by portal.health.HealthCheckMiddleware, /favicon.ico by WhiteNoise.
urlpatterns = [
    path("metrics", metrics.metrics, name="metrics"),
    path("services/", include("exchange.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("booking.urls")),
]
