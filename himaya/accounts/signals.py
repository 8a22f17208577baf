"""Record when a session signed in, for the absolute session time-out."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in)
def stamp_session(sender, request, user, **kwargs) -> None:  # noqa: ANN001
    if request is not None and hasattr(request, "session"):
        request.session["himaya_signed_in_at"] = int(time.time())
