from django.urls import path

from . import views

urlpatterns = [
    path("accounts/<str:number>/", views.AccountDetailView.as_view(), name="account-detail"),
    path("accounts/<str:number>/aging/", views.AccountAgingView.as_view(), name="account-aging"),
    path(
        "accounts/<str:number>/refunds/",
        views.AccountRefundsView.as_view(),
        name="account-refunds",
    ),
    path("bills/", views.BillCreateView.as_view(), name="bill-create"),
    path("adjustments/", views.AdjustmentCreateView.as_view(), name="adjustment-create"),
    path(
        "adjustments/<int:pk>/cancel/",
        views.AdjustmentCancelView.as_view(),
        name="adjustment-cancel",
    ),
]
