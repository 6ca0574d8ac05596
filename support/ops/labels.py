"""Placeholder: being written."""
from django.http import HttpResponse

from support.ops.access import ops_required


@ops_required
def label_message(request, **kwargs):  # type: ignore[no-untyped-def]
    return HttpResponse("not built yet", status=501)
