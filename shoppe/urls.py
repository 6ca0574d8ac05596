from django.contrib import admin
from django.urls import include, path

from shoppe import views
from support.chat_session import chat_session_open
from support.console import console_page
from support.health import healthz, metrics

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="products"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:number>/", views.order_detail, name="order"),
    path("orders/<int:number>/invoice/", views.invoice_detail, name="invoice"),
    path("help/", include("rag.urls")),
    path("account/", include("django.contrib.auth.urls")),
    path("chat/session/", chat_session_open, name="chat_session"),
    path("console/", console_page, name="console"),
    path("ops/", include("support.ops.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
]
