from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings.html")
