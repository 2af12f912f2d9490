from django.urls import path

from . import views as v
from .webhooks import ProcessorPaymentWebhook

urlpatterns = [
    path("tender-types/", v.TenderTypeList.as_view(), name="tender-type-list"),
    path("tender-sources/", v.TenderSourceList.as_view(), name="tender-source-list"),
    path("cancel-reasons/", v.CancelReasonList.as_view(), name="cancel-reason-list"),
    path("distribution-codes/", v.DistributionCodeList.as_view(), name="distribution-code-list"),
    path("payment-events/", v.PaymentEventCreate.as_view(), name="payment-event-create"),
    path("payment-events/<int:pk>/", v.PaymentEventDetail.as_view(), name="payment-event-detail"),
    path(
        "payment-events/<int:pk>/payments/",
        v.PaymentEventAddPayment.as_view(),
        name="payment-event-add-payment",
    ),
    path(
        "payment-events/<int:pk>/allocation/",
        v.PaymentEventAllocation.as_view(),
        name="payment-event-allocation",
    ),
    path("payments/<int:pk>/", v.PaymentDetail.as_view(), name="payment-detail"),
    path("payments/<int:pk>/distribute/", v.PaymentDistribute.as_view(), name="payment-distribute"),
    path("payments/<int:pk>/freeze/", v.PaymentFreeze.as_view(), name="payment-freeze"),
    path("payments/<int:pk>/retry/", v.PaymentRetry.as_view(), name="payment-retry"),
    path("payments/<int:pk>/cancel/", v.PaymentCancel.as_view(), name="payment-cancel"),
    path("payments/<int:pk>/transfer/", v.PaymentTransfer.as_view(), name="payment-transfer"),
    path("payments/<int:pk>/receipt/", v.PaymentReceipt.as_view(), name="payment-receipt"),
    path(
        "payments/<int:pk>/receipt/email/",
        v.PaymentReceiptEmail.as_view(),
        name="payment-receipt-email",
    ),
    path(
        "accounts/<str:number>/payments/",
        v.AccountPaymentList.as_view(),
        name="account-payment-list",
    ),
    path("tenders/<int:pk>/cancel/", v.TenderCancel.as_view(), name="tender-cancel"),
    path("tenders/<int:pk>/return/", v.TenderReturn.as_view(), name="tender-return"),
    path("non-cis-payments/", v.NonCisPaymentCreate.as_view(), name="non-cis-payment-create"),
    path("check-cashing/", v.CheckCashCreate.as_view(), name="check-cash-create"),
    path("deposit-controls/", v.DepositControlCreate.as_view(), name="deposit-control-create"),
    path(
        "deposit-controls/<int:pk>/balance/",
        v.DepositControlBalance.as_view(),
        name="deposit-control-balance",
    ),
    path(
        "deposit-controls/<int:pk>/reopen/",
        v.ControlReopen.as_view(),
        name="deposit-control-reopen",
    ),
    path("tender-controls/", v.TenderControlCreate.as_view(), name="tender-control-create"),
    path(
        "tender-controls/<int:pk>/balance/",
        v.TenderControlBalance.as_view(),
        name="tender-control-balance",
    ),
    path(
        "tender-controls/<int:pk>/reopen/",
        v.TenderControlReopen.as_view(),
        name="tender-control-reopen",
    ),
    path(
        "processors/<str:processor>/payments",
        ProcessorPaymentWebhook.as_view(),
        name="processor-payment-webhook",
    ),
]
