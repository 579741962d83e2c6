"""How the composer's preview scales with the text: seconds per preview for growing pastes.

Usage: .venv/bin/python bench/preview.py [--json]
The time per character must stay flat (linear work); texts over the message ceiling cost as much
as the ceiling.
"""

from __future__ import annotations

import json
import sys
import time

from portal.campaigns.service import MAX_MESSAGE_CHARACTERS, build_preview

SIZES = (500, 1_000, 2_000, MAX_MESSAGE_CHARACTERS, 100_000, 1_000_000)


def measure(text: str, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        build_preview(text, max_parts=6)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    rows = []
    for size in SIZES:
        seconds = measure("😀" * size)
        per_character = seconds / min(size, MAX_MESSAGE_CHARACTERS) * 1e6
        rows.append({"characters": size, "seconds": round(seconds, 5),
                     "microseconds_per_character": round(per_character, 3)})
    print(f"{'emoji':>10} {'seconds':>10} {'µs/char':>10}")
    for row in rows:
        print(f"{row['characters']:>10} {row['seconds']:>10} {row['microseconds_per_character']:>10}")
    if "--json" in sys.argv:
        print(json.dumps({"preview": rows}))


if __name__ == "__main__":
    main()
