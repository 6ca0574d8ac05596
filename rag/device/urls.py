from django.urls import path

from rag.device import views

urlpatterns = [
    path("manifest.json", views.manifest, name="device_manifest"),
    path("<str:name>", views.device_file_view, name="device_file"),
]
