from django.urls import path

from banking import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
