from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kefu.core"
    label = "core"

    def ready(self) -> None:
        from kefu.core import lookups

        lookups.register()
