"""Form widgets rendered in Python for the hottest pages.

Django renders every widget, and every <option> of a select, through the template engine; on a filter bar
with four selects that is a large share of a page's time. These render the same markup directly.
"""

from django import forms
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils.html import escape
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A <select> without option sub-templates (flat choices only, no groups)."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(choice_value)}"{" selected" if str(choice_value) in selected else ""}>'
            f"{escape(label)}</option>"
            for choice_value, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")  # noqa: S308 - values escaped


class FastInputMixin(Input):
    """An <input> rendered directly: the markup of Django's `input.html`, without its template.

    A `type` set in the widget's attrs after construction (`attrs.update({"type": "search"})`) replaces the
    widget's own type instead of writing a second `type` attribute.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        input_type = final_attrs.pop("type", self.input_type)
        value = self.format_value(value)
        value_attr = "" if value is None else f' value="{escape(value)}"'
        return mark_safe(  # noqa: S308 - every value escaped
            f'<input type="{escape(input_type)}" name="{escape(name)}"{value_attr}{flatatt(final_attrs)}>'
        )


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    pass
