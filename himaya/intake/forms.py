from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm
from himaya.intake.models import ImportBatch
from himaya.intake.queries import import_targets_for
from himaya.intake.readers import UnreadableFile, check_size, max_bytes


class ImportUploadForm(StyledForm):
    file = forms.FileField(label=_("File"))
    partner = forms.ModelChoiceField(queryset=None, label=_("Import for"), required=True,
                                     to_field_name="code")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "The template (XLSX), a CSV file, or a KoboToolbox export (XLSX or JSON); at most %(limit)d MB."
        ) % {"limit": max_bytes() // (1024 * 1024)}
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv,.txt,.json"
        targets = import_targets_for(user)
        if targets.exists():
            self.fields["partner"].queryset = targets
        else:
            # Partner staff import into their own association only: no field to choose another (P2).
            del self.fields["partner"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size)
        except UnreadableFile as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class ImportApplyForm(StyledForm):
    mode = forms.ChoiceField(label=_("How to apply"), choices=ImportBatch.Mode.choices,
                             widget=forms.RadioSelect)

    def __init__(self, *args: Any, batch: ImportBatch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # With problems, "all or nothing" writes nothing: the valid rows are then the useful choice.
        self.fields["mode"].initial = (ImportBatch.Mode.VALID_ROWS if batch.counts.get("problems")
                                       else ImportBatch.Mode.ALL_OR_NOTHING)
