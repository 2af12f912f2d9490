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
]
