from django.urls import path

from . import views

urlpatterns = [
    path(
        "accounts/<str:number>/arrangements/",
        views.AccountArrangementsView.as_view(),
        name="account-arrangements",
    ),
    path(
        "arrangements/<int:pk>/", views.ArrangementDetailView.as_view(), name="arrangement-detail"
    ),
]
