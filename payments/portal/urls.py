"""/my/...: the web self-care portal (issue 11 item 6)."""

from django.urls import path

from . import views

app_name = "portal"

A = "accounts/<str:number>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("reset/<uidb64>/<token>/", views.reset_confirm, name="reset"),
    path("reset/done/", views.reset_done, name="reset-done"),
    path(A, views.account, name="account"),
    path(A + "pay/", views.pay, name="pay"),
    path(A + "pay/confirm/", views.confirm, name="confirm"),
    path(A + "payments/<int:pk>/", views.done, name="done"),
]
