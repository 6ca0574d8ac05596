from django.urls import path

from rag import views

urlpatterns = [
    path("", views.help_index, name="help"),
    path("<slug:slug>/", views.help_page, name="help_page"),
]
