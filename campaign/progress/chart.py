"""The signatures-per-day chart as inline SVG, drawn on the server.

No script and nothing loaded from elsewhere: the chart is part of the page, and
screen readers get its title, a summary and the table of the same numbers beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import format_date, ngettext
from markupsafe import Markup, escape

from campaign.progress.services import DayCount

WIDTH = 600
HEIGHT = 160
AXIS_LABEL_SPACE = 20
GAP = 2


def signatures_chart(days: Sequence[DayCount], *, chart_id: str = "signatures-chart") -> Markup:
    """One bar per day, as high as that day's signatures (the highest day fills the
    chart); a day without signatures still has its bar, of no height, so that the
    bars keep their place in time."""
    highest = max((day.total for day in days), default=0)
    plot_height = HEIGHT - AXIS_LABEL_SPACE
    slot = WIDTH / max(len(days), 1)
    title = ngettext("Signatures per day, last %(num)d day",
                     "Signatures per day, last %(num)d days", len(days))
    summary = ngettext("%(num)d signature in these days; the most in one day: %(most)d.",
                       "%(num)d signatures in these days; the most in one day: %(most)d.",
                       sum(day.total for day in days), most=highest)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
        f'<line class="axis" x1="0" y1="{plot_height}" x2="{WIDTH}" y2="{plot_height}"/>',
    ]
    for index, day in enumerate(days):
        bar_height = round(plot_height * day.total / highest, 1) if highest else 0
        label = ngettext("%(day)s: %(num)d signature", "%(day)s: %(num)d signatures",
                         day.total, day=format_date(day.day, "medium"))
        parts.append(
            f'<rect class="bar" x="{round(index * slot + GAP / 2, 1)}" '
            f'y="{round(plot_height - bar_height, 1)}" width="{round(slot - GAP, 1)}" '
            f'height="{bar_height}" data-date="{day.day.isoformat()}" '
            f'data-count="{day.total}"><title>{escape(label)}</title></rect>'
        )
    for index in (0, len(days) - 1) if days else ():
        anchor = "start" if index == 0 else "end"
        x = 0 if index == 0 else WIDTH
        parts.append(f'<text class="axis-label" x="{x}" y="{HEIGHT - 4}" text-anchor="{anchor}">'
                     f'{escape(format_date(days[index].day, "medium"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
