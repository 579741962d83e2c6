"""Our `idx` for each message: SMSAPI echoes it in the send answer and in delivery reports.

With `check_idx=1` SMSAPI refuses (error 53) a second message with an `idx` it accepted before
(SMSAPI.md §1.4), which is what makes a retried batch safe. So an `idx` must be unique for ever:
the campaign's random key plus the message id, which stays unique even if the database is restored
or started anew. It carries neither `,` nor `|`, the separators of batched reports and sends (§3.4).
"""

from __future__ import annotations

_SEPARATOR = "-"


def message_idx(idx_key: str, message_id: int) -> str:
    """The `idx` sent with message `message_id` of the campaign whose key is `idx_key`."""
    return f"{idx_key}{_SEPARATOR}{message_id}"


def parse_message_idx(idx: str | None) -> tuple[str, int] | None:
    """(campaign key, message id) of an `idx` we made, or None for anything else."""
    if not idx:
        return None
    key, separator, number = idx.strip().rpartition(_SEPARATOR)
    if not separator or not key or not number.isdigit() or len(number) > 18:
        return None
    return key, int(number)
