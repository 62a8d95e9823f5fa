"""Shared by the staff pages' forms: service errors shown next to the fields they name."""

from django import forms

from .errors import BusinessError


def apply_service_errors(
    form: forms.Form, error: BusinessError, field_map: dict[str, str] | None = None
) -> None:
    """Put each error a service raised next to its field (`identifiers.siren` goes on the
    `siren` input); errors on fields the form does not show go on top of the form."""
    for item in error.errors:
        field = (field_map or {}).get(item.field, item.field).removeprefix("identifiers.")
        if field not in form.fields:
            message = item.message if item.field == "__all__" else f"{item.field}: {item.message}"
            form.add_error(None, message)
        elif field not in form.errors:
            form.add_error(field, item.message)


class ServiceForm(forms.Form):
    """A form that runs one service action once its own fields are valid (`perform`); the
    action's errors land next to the fields they name, so a page shows every problem at once
    and the database is left as it was."""

    field_map: dict[str, str] = {}

    def perform(self, cleaned: dict) -> None:
        raise TypeError(f"{type(self).__name__} must define perform(cleaned)")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.perform(cleaned)
        except BusinessError as error:
            apply_service_errors(self, error, self.field_map)
        return cleaned


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (YYYY-MM-DD), whatever the page's
    language: a French "27/11/2026" would leave `<input type="date">` empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
