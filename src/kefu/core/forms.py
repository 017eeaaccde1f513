"""Forms helpers every app's views share (the toolkit; imports no app)."""

from __future__ import annotations

from django import forms

from kefu.core.errors import KefuError


def form_error(form: forms.Form, error: KefuError) -> None:
    """Show a service's error on the form: under the field it names when the form has that
    field, else above the form, so a rule checked in the service reads like a form error."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))
