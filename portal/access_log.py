"""gunicorn's access log without secrets: the callback URL carries its secret in the query string,
and a password-reset link its one-time token in the path.

`--logger-class portal.access_log.RedactingAccessLogger` (what `flask serve` and the README's
production command use) writes every access line with the value of each secret parameter and each
secret path segment replaced, in the request line, the path, the query string and the referrer.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

#: Query parameters whose values never reach a log.
SECRET_PARAMETERS = ("secret", "token")
_SECRET_VALUE = re.compile(
    r"(?P<key>(?:^|[?&;])(?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&;\s#]*", re.IGNORECASE
)
#: Paths whose next segment is a secret (a one-time password-reset link).
SECRET_PATHS = ("/reset/",)
_SECRET_SEGMENT = re.compile(r"(?P<key>(?:" + "|".join(map(re.escape, SECRET_PATHS)) + r"))[^/?#\s]+")
REDACTED = "[redacted]"


def redact(text: str | None) -> str | None:
    """`text` (a URL, a path, a query string or a request line) with every secret hidden."""
    if not text:
        return text
    text = _SECRET_SEGMENT.sub(lambda match: match.group("key") + REDACTED, text)
    return _SECRET_VALUE.sub(lambda match: match.group("key") + REDACTED, text)


class RedactingAccessLogger(Logger):
    """gunicorn's logger, with secret query parameters and path segments hidden from the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            atoms[key] = redact(atoms.get(key))
        return atoms
