from django.urls import path

from exchange import docs_views, views

# The paths are fixed: MIS installations have them configured.
urlpatterns = [
    path("import.php", views.import_view, name="exchange-import"),
    path("export.php", views.export_view, name="exchange-export"),
    path("", docs_views.services_page, name="exchange-services"),
    path("en/", docs_views.services_page, {"language": "en"}, name="exchange-services-en"),
]
