"""Keep query strings out of the logs: a name typed into a search box is personal data (P11).

Pages post their searches, but an API client or an old link may still send `?q=Awa`;
runserver's access lines (`django.server`) and any message quoting a URL pass through
this filter on Himaya's log handler, which replaces every query string by `?…`.
"""

from __future__ import annotations

import logging
import re

QUERY_STRING = re.compile(r"\?[^\s\"'<>]*")


class RedactQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            redacted = QUERY_STRING.sub("?…", message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True
