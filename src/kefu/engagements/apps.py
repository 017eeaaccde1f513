from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "kefu.engagements"
    label = "engagements"
    verbose_name = _("Engagements")

    def ready(self) -> None:
        from kefu.engagements import audit_sentences  # the engagement audit codes as sentences
        from kefu.engagements.onboarding import audit_sentences as onboarding_sentences
        from kefu.engagements.quoting import audit_sentences as quoting_sentences

        audit_sentences.register()
        onboarding_sentences.register()
        quoting_sentences.register()

        # The signed contract's SLA terms are the targets of the client's dashboard (they win
        # over the SLA policy the desk registers).
        from kefu.engagements.reviews import targets

        targets.register()
