"""Idempotency keys for API writes (PROTECTION.md P20).

The first request with a key stores its answer (encrypted: it holds names); a
replay gets that answer again, the same key with another body gets a 409, and
two simultaneous requests with one key produce one write: the second insert of
the key waits on the unique constraint until the first commits, then replays.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from himaya.registry import blind_index
from himaya.registry.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_MAX = 128


def fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
    # Keyed, like every hash of personal data here.
    return blind_index.digest("request", f"{request.method} {request.path}\n{body}")


def idempotent(request: Request, perform: Callable[[], Response]) -> Response:
    """Run `perform` once per (user, Idempotency-Key); replay its answer afterwards."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return perform()
    if len(key) > KEY_MAX:
        return Response({"detail": _("The Idempotency-Key is too long.")}, status=status.HTTP_400_BAD_REQUEST)
    digest = fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(user=request.user, key=key, request_hash=digest)
        except IntegrityError:
            record = IdempotencyRecord.objects.get(user=request.user, key=key)
            if record.request_hash != digest:
                return Response(
                    {"detail": _("This Idempotency-Key was already used with another request.")},
                    status=status.HTTP_409_CONFLICT,
                )
            if record.status_code is None:
                return Response({"detail": _("The first request with this key is still running.")},
                                status=status.HTTP_409_CONFLICT)
            replay = Response(json.loads(record.response), status=record.status_code)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = perform()
        if response.status_code >= 400:
            # Nothing was written; forget the key so a corrected retry can use it.
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        record.response = json.dumps(response.data, cls=DjangoJSONEncoder, ensure_ascii=False)
        record.save(update_fields=["status_code", "response"])
        return response
