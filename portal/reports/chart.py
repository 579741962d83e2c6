"""Delivered over time, drawn on the server as SVG: readable without JavaScript, nothing to vendor.

Bars are the deliveries of each time bucket (scaled to the busiest bucket); the line is the running
total (scaled to the total). The template draws what this computes.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.reports.figures import TimeBucket

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 200, 44, 24, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    line: str  # SVG polyline points of the running total
    busiest: int
    total: int
    first_label: str
    last_label: str
    plot_left: int
    plot_bottom: int


def delivered_chart(width_seconds: int, buckets: list[TimeBucket]) -> Chart | None:
    """The chart's geometry, or None when nothing is delivered yet."""
    if not buckets:
        return None
    busiest = max(bucket.delivered for bucket in buckets) or 1
    total = buckets[-1].cumulative or 1
    plot_width, plot_height = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    step = plot_width / len(buckets)
    bars, points = [], []
    for n, bucket in enumerate(buckets):
        height = plot_height * bucket.delivered / busiest
        x = LEFT + n * step
        when = _time(bucket.start, width_seconds)
        label = f"{when}: {bucket.delivered} delivered, {bucket.cumulative} in all"
        bars.append(Bar(round(x + step * 0.1, 1), round(TOP + plot_height - height, 1),
                        round(step * 0.8, 1), round(height, 1), label))
        points.append(f"{x + step / 2:.1f},{TOP + plot_height - plot_height * bucket.cumulative / total:.1f}")
    return Chart(WIDTH, HEIGHT, bars, " ".join(points), busiest, buckets[-1].cumulative,
                 _time(buckets[0].start, width_seconds), _time(buckets[-1].start, width_seconds),
                 LEFT, TOP + plot_height)


def _time(value, width_seconds: int) -> str:
    return value.strftime("%Y-%m-%d" if width_seconds >= 86400 else "%Y-%m-%d %H:%M")


def bucket_label(width_seconds: int) -> str:
    """How long one bar is, in words."""
    if width_seconds % 86400 == 0:
        days = width_seconds // 86400
        return "1 day" if days == 1 else f"{days} days"
    if width_seconds % 3600 == 0:
        hours = width_seconds // 3600
        return "1 hour" if hours == 1 else f"{hours} hours"
    minutes = width_seconds // 60
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
