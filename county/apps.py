from django.apps import AppConfig


class CountyConfig(AppConfig):
    name = "county"
    verbose_name = "调解员与考评"
