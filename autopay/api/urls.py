from django.urls import path

from . import views

urlpatterns = [
    path(
        "accounts/<str:number>/autopays/",
        views.AccountAutopaysView.as_view(),
        name="account-autopays",
    ),
    path("autopays/<int:pk>/", views.AutopayDetailView.as_view(), name="autopay-detail"),
    path("autopays/<int:pk>/stop/", views.AutopayStopView.as_view(), name="autopay-stop"),
    path(
        "accounts/<str:number>/autopay-payments/",
        views.AccountAutopayPaymentsView.as_view(),
        name="account-autopay-payments",
    ),
    path(
        "autopay-payments/<int:pk>/",
        views.AutopayPaymentDetailView.as_view(),
        name="autopay-payment-detail",
    ),
    path(
        "autopay-payments/<int:pk>/freeze/",
        views.AutopayPaymentFreezeView.as_view(),
        name="autopay-payment-freeze",
    ),
    path(
        "autopay-payments/<int:pk>/redistribute/",
        views.AutopayPaymentRedistributeView.as_view(),
        name="autopay-payment-redistribute",
    ),
    path(
        "autopay-payments/<int:pk>/delete/",
        views.AutopayPaymentDeleteView.as_view(),
        name="autopay-payment-delete",
    ),
]
