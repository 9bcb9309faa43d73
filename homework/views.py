"""Homework pages (filled in by the homework UI work)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def index(request):
    return render(request, "homework/index.html", {})
