from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from shoppe import account_views, checkout_views, order_views, review_views, views
from support import account_views as conversation_views
from support.chat_session import chat_return, chat_session_open
from support.console import console_language, console_page
from support.photos import photo_show, photo_upload
from support.health import healthz, metrics

def favicon(request):  # type: ignore[no-untyped-def]
    """Browsers ask for /favicon.ico whatever the page says: send them to the static icon, not a 404."""
    return redirect(static("shoppe/favicon.svg"), permanent=True)


# The customer's pages, in their language: "/orders/" follows the cookie or the browser,
# "/nl/orders/" is Dutch whatever they say (shoppe/locale_middleware.py).
storefront_patterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="products"),
    path("products/<slug:slug>/", review_views.product_detail, name="product"),
    path("products/<slug:slug>/review/", review_views.review_add, name="review_add"),
    path("reviews/write/<str:token>/", review_views.review_write, name="review_write"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:number>/", order_views.order_detail, name="order"),
    # The "view your order" link in a guest order's emails (shoppe.guest_orders.order_link_path).
    path("orders/<int:number>/open/<str:token>/", order_views.order_open, name="order_open"),
    path("orders/<int:number>/pay/", order_views.order_pay_view, name="order_pay"),
    path("orders/<int:number>/cancel/", order_views.order_cancel_view, name="order_cancel"),
    path("orders/<int:number>/address/", order_views.order_address_view, name="order_address"),
    path("orders/<int:number>/refund/", order_views.order_refund_view, name="order_refund"),
    path("orders/<int:number>/return-label/", order_views.order_return_label, name="order_return_label"),
    path("orders/<int:number>/invoice/", views.invoice_detail, name="invoice"),
    path("cart/", checkout_views.cart_view, name="cart"),
    path("cart/add/<slug:slug>/", checkout_views.cart_add, name="cart_add"),
    path("cart/update/", checkout_views.cart_update, name="cart_update"),
    path("checkout/", checkout_views.checkout, name="checkout"),
    path("checkout/payment/", checkout_views.checkout_payment, name="checkout_payment"),
    path("checkout/done/<int:number>/", checkout_views.checkout_done, name="checkout_done"),
    path("gift-cards/", views.gift_card_shop, name="gift_cards"),
    path("gift-cards/bought/<int:card_id>/", views.gift_card_bought, name="gift_card_bought"),
    path("gift-cards/balance/", views.gift_card_balance, name="gift_card_balance"),
    path("newsletter/", views.newsletter_signup, name="newsletter"),
    path("newsletter/confirm/<str:token>/", views.newsletter_confirm_view, name="newsletter_confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.newsletter_unsubscribe_view, name="newsletter_unsubscribe"),
    path("help/", include("rag.urls")),
    path("account/", account_views.account, name="account"),
    path("account/signup/", account_views.signup, name="signup"),
    path("account/addresses/", account_views.address_list, name="addresses"),
    path("account/addresses/new/", account_views.address_add, name="address_add"),
    path("account/addresses/<int:address_id>/edit/", account_views.address_edit, name="address_edit"),
    path("account/addresses/<int:address_id>/delete/", account_views.address_remove, name="address_delete"),
    path("account/conversations/", conversation_views.conversation_list, name="conversation_list"),
    path("account/conversations/<uuid:conversation_id>/", conversation_views.conversation_detail,
         name="conversation_detail"),
    path("account/conversations/<uuid:conversation_id>/email/", conversation_views.conversation_email,
         name="conversation_email"),
    path("account/password_reset/", account_views.PasswordReset.as_view(), name="password_reset"),
    path("account/email/confirm/<str:token>/", account_views.email_confirm_view, name="email_confirm"),
    path("account/email/send-link/", account_views.email_confirmation_resend, name="email_confirmation_resend"),
    # Signed in already (a "Sign in" link on an earlier chat reply): on to the page it led to, not the form again.
    path("account/login/", account_views.SignIn.as_view(), name="login"),
    path("account/", include("django.contrib.auth.urls")),
    path("chat/return/<str:token>/", chat_return, name="chat_return"),
    # The chat widget's strings (locale/<lang>/LC_MESSAGES/djangojs.po) as a same-origin script, in the
    # page's language: "/nl/jsi18n/" is Dutch. Only the project's catalogues, not the admin's.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["shoppe"]), name="javascript_catalog"),
]

urlpatterns = i18n_patterns(*storefront_patterns, prefix_default_language=False) + [
    # The language switcher posts here (Django's set_language): the cookie, then the same page in that language.
    path("i18n/", include("django.conf.urls.i18n")),
    path("chat/session/", chat_session_open, name="chat_session"),
    # The assistant's copy on the customer's device (rag/device/): its manifest and content-hashed files.
    path("assistant/device/", include("rag.device.urls")),
    path("chat/photos/", photo_upload, name="photo_upload"),
    path("chat/photos/<uuid:photo_id>/", photo_show, name="photo"),
    path("console/", console_page, name="console"),
    path("console/language/", console_language, name="console_language"),
    path("ops/", include("support.ops.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
]
