"""Funds pages: supervision and the custodian bank (``supervision_views``), guardians and
institutions (``people_views``). Every write goes through ``funds.services``."""

from funds import people_views, supervision_views

app_name = "funds"
urlpatterns = supervision_views.urlpatterns + people_views.urlpatterns
