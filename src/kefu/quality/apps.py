from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "kefu.quality"
    label = "quality"
    verbose_name = _("Quality")

    def ready(self) -> None:
        from kefu.quality.reviews import audit_sentences  # the review audit codes as sentences

        audit_sentences.register()

        from kefu.quality.complaints import audit_sentences as complaint_sentences

        complaint_sentences.register()

        from kefu.quality.surveys import audit_sentences as survey_sentences  # the survey audit codes

        survey_sentences.register()

        from kefu.quality.calibration import audit_sentences as calibration_sentences
        from kefu.quality.coaching import audit_sentences as coaching_sentences

        calibration_sentences.register()
        coaching_sentences.register()
