"""/acp/uploads/: a Supervisor imports a payment file and sees what it staged (issue 9
item 1). The same intake as `import_payments` and the inbox job."""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .exceptions import PaymentError
from .models import TenderSource, UploadFile, UploadFormat
from .upload.intake import DEFAULT_TENDER_SOURCES, upload_file_import
from .upload.report import upload_report

IMPORT_PERMISSION = "payments.import_uploadfile"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label="Payment file")
    format = forms.ChoiceField(label="Format", choices=UploadFormat.choices)
    tender_source = forms.ModelChoiceField(
        label="Tender source",
        queryset=TenderSource.objects.none(),
        required=False,
        empty_label="The format's default",
        help_text="Default: LOCKBOX for BAI2 and lockbox, REMIT for CSV, PROCESSOR for "
        "processor files.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender_source"].queryset = TenderSource.objects.order_by("code")

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {file.size:,} bytes; the screen takes up to "
                f"{MAX_UPLOAD_BYTES:,}. Put bigger files in the payment inbox."
            )
        return file


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def upload_screen(request: HttpRequest) -> HttpResponse:
    report = None
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                upload = upload_file_import(
                    name=data["file"].name,
                    data=data["file"].read(),
                    format=data["format"],
                    tender_source=data["tender_source"],
                    user=request.user,
                    channel="screen",
                )
            except PaymentError as exc:
                form.add_error(None, str(exc))
            else:
                report = upload_report(upload=upload)
                form = UploadForm()
    else:
        form = UploadForm()
    recent = UploadFile.objects.select_related("tender_source", "received_by")[:20]
    context = {
        "form": form,
        "report": report,
        "recent": recent,
        "defaults": DEFAULT_TENDER_SOURCES,
    }
    return render(request, "payments/uploads.html", context, status=200)
