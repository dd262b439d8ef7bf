from django.urls import path

from exchange import views

# The paths are fixed: MIS installations have them configured.
urlpatterns = [
    path("import.php", views.import_view, name="exchange-import"),
    path("export.php", views.export_view, name="exchange-export"),
]
