from django.urls import path

from billing import views

urlpatterns = [
    path("pricing", views.pricing, name="pricing"),
    path("success", views.success, name="billing_success"),
    path("billing/checkout/", views.checkout, name="billing_checkout"),
    path("billing/portal/", views.portal, name="billing_portal"),
    path("dashboard/payment", views.payment, name="payment"),
    path("dashboard/settings/billing", views.settings_billing, name="settings_billing"),
]
