from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "kefu.cli"
    label = "cli"
