"""gunicorn's access log without secrets: the callback URL carries its secret in the query string.

`--logger-class portal.access_log.RedactingAccessLogger` (what `flask serve` and the README's
production command use) writes every access line with the value of each secret parameter replaced,
in the request line, the query string and the referrer.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

#: Query parameters whose values never reach a log.
SECRET_PARAMETERS = ("secret", "token")
_SECRET_VALUE = re.compile(
    r"(?P<key>(?:^|[?&;])(?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&;\s#]*", re.IGNORECASE
)
REDACTED = "[redacted]"


def redact(text: str | None) -> str | None:
    """`text` (a URL, a query string or a request line) with every secret parameter's value hidden."""
    if not text:
        return text
    return _SECRET_VALUE.sub(lambda match: match.group("key") + REDACTED, text)


class RedactingAccessLogger(Logger):
    """gunicorn's logger, with secret query parameters hidden from the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "f"):
            atoms[key] = redact(atoms.get(key))
        return atoms
