"""Analyses per second of `portal.sms.segments.analyze` for typical message sizes.

Run with `python bench/segments.py`. Each measurement repeats one call for about a second and
prints the rate; add further measurements (such as the preview endpoint's latency) as functions
beside these and list them in `MEASUREMENTS`.
"""

import time
from collections.abc import Callable

from portal.sms.segments import analyze

SECONDS = 1.0

GSM_SENTENCE = "Dear customer, your order 1234 has shipped & arrives Monday. Reply STOP to opt out. "
UNICODE_SENTENCE = "Dzień dobry! Zamówienie nr 1234 wysłane, dostawa w poniedziałek 🚚. Ważne do jutra 👍🏽. "


def _fill(sentence: str, length: int) -> str:
    return (sentence * (length // len(sentence) + 1))[:length]


# GSM-7: 40, 160 and 918 characters; the six-part text holds euro signs, so the escape-aware path runs.
SHORT_GSM = _fill(GSM_SENTENCE, 40)
ONE_PART_GSM = _fill(GSM_SENTENCE, 160)
SIX_PART_GSM = _fill(GSM_SENTENCE, 908) + " Only €5!"
# UCS-2 (Polish letters, emoji with and without a skin tone): 40 characters, 70 and 402 UTF-16 units.
SHORT_UNICODE = _fill(UNICODE_SENTENCE, 40)
ONE_PART_UNICODE = _fill(UNICODE_SENTENCE, 69)
SIX_PART_UNICODE = _fill(UNICODE_SENTENCE, 390)


def analyses_per_second(text: str) -> float:
    """Calls of `analyze(text)` per second, timed over roughly `SECONDS`."""
    iterations = 1
    while True:
        started = time.perf_counter()
        for _ in range(iterations):
            analyze(text)
        elapsed = time.perf_counter() - started
        if elapsed >= SECONDS:
            return iterations / elapsed
        iterations *= 2 if elapsed < SECONDS / 10 else max(2, round(SECONDS / elapsed))


def short_gsm() -> float:
    return analyses_per_second(SHORT_GSM)


def one_part_gsm() -> float:
    return analyses_per_second(ONE_PART_GSM)


def six_part_gsm() -> float:
    return analyses_per_second(SIX_PART_GSM)


def short_unicode() -> float:
    return analyses_per_second(SHORT_UNICODE)


def one_part_unicode() -> float:
    return analyses_per_second(ONE_PART_UNICODE)


def six_part_unicode() -> float:
    return analyses_per_second(SIX_PART_UNICODE)


MEASUREMENTS: list[tuple[str, str, Callable[[], float]]] = [
    ("short GSM-7", SHORT_GSM, short_gsm),
    ("one-part GSM-7", ONE_PART_GSM, one_part_gsm),
    ("six-part GSM-7", SIX_PART_GSM, six_part_gsm),
    ("short UCS-2", SHORT_UNICODE, short_unicode),
    ("one-part UCS-2", ONE_PART_UNICODE, one_part_unicode),
    ("six-part UCS-2", SIX_PART_UNICODE, six_part_unicode),
]


def main() -> None:
    for label, text, measure in MEASUREMENTS:
        analysis = analyze(text)
        shape = f"{len(text)} chars, {analysis.units} units, {analysis.parts} parts, {analysis.encoding}"
        print(f"{label:<16} {measure():>10,.0f} analyses/s   ({shape})")


if __name__ == "__main__":
    main()
