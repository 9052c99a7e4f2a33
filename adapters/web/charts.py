"""The page's pictures as inline SVG, drawn by the browser: the calendar of study days and
the burn-up of items planned against done. Each has a title and a text of what it shows,
for screen readers; colours come from the stylesheet (no inline style, as the page's
Content-Security-Policy allows none)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from markupsafe import Markup, escape

from core.progress.burnup import BurnUpPicture
from core.web.pages import StudyDay

CELL, GAP = 14, 3
WIDTH, HEIGHT, MARGIN = 360, 180, 28


def _level(day: StudyDay) -> int:
    """0 to 4: how much was studied, for the cell's shade."""
    if day.future:
        return -1
    return min(4, day.items + (1 if day.hours >= 1 else 0) + (1 if day.hours >= 2 else 0))


def calendar_svg(
    days: Sequence[StudyDay],
    title: str,
    describe: Callable[[StudyDay], str],
) -> Markup:
    """Weeks as columns, Monday at the top, as GitHub draws a year; each day says what was
    done on it when pointed at or read out."""
    weeks = (len(days) + 6) // 7
    width, height = weeks * (CELL + GAP), 7 * (CELL + GAP)
    cells = []
    for index, day in enumerate(days):
        x, y = (index // 7) * (CELL + GAP), (index % 7) * (CELL + GAP)
        level = _level(day)
        shade = "future" if level < 0 else f"level-{level}"
        cells.append(
            Markup(
                '<rect class="cell {}" x="{}" y="{}" width="{}" height="{}" rx="2">'
                "<title>{}</title></rect>"
            ).format(shade, x, y, CELL, CELL, "" if day.future else describe(day))
        )
    return Markup(
        '<svg class="calendar" role="img" aria-labelledby="calendar-title" '
        'viewBox="0 0 {} {}" width="{}" height="{}"><title id="calendar-title">{}</title>{}</svg>'
    ).format(width, height, width, height, title, Markup("").join(cells))


def burn_up_svg(
    picture: BurnUpPicture,
    words: dict[str, str],
    day_text: Callable[[date], str],
    number: Callable[[float], str],
) -> Markup:
    """Items planned (dashed) and done (solid) by day, today marked, and a line of text
    saying the same for those who do not see it."""
    first, last = picture.first_day, picture.last_day
    span = max(1, (last - first).days)
    total = max(1, picture.total)

    def x(day: date) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * (day - first).days / span

    def y(count: int) -> float:
        return HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * count / total

    def line(steps: Sequence[tuple[date, int]], until: date, css: str) -> Markup:
        points, count = [f"{x(first):.1f},{y(0):.1f}"], 0
        for day, reached in steps:
            if day > until:
                break
            points += [f"{x(day):.1f},{y(count):.1f}", f"{x(day):.1f},{y(reached):.1f}"]
            count = reached
        points.append(f"{x(until):.1f},{y(count):.1f}")
        return Markup('<polyline class="{}" points="{}" fill="none"/>').format(
            css, " ".join(points)
        )

    summary = words["burn_up_summary"].format(
        done=number(picture.done_so_far),
        total=number(picture.total),
        planned=day_text(picture.planned_finish),
    )
    if picture.projected_finish is not None:
        summary += " " + words["burn_up_kept"].format(projected=day_text(picture.projected_finish))
    today = x(picture.today)
    return Markup(
        '<figure class="burn-up"><svg role="img" aria-labelledby="burn-up-title burn-up-text" '
        'viewBox="0 0 {w} {h}"><title id="burn-up-title">{title}</title>'
        '<line class="axis" x1="{m}" y1="{b}" x2="{r}" y2="{b}"/>'
        '<line class="axis" x1="{m}" y1="{t}" x2="{m}" y2="{b}"/>'
        "{planned}{done}"
        '<line class="today" x1="{today:.1f}" y1="{t}" x2="{today:.1f}" y2="{b}"/>'
        '<text class="label" x="{m}" y="{below}">{start}</text>'
        '<text class="label end" x="{r}" y="{below}">{finish}</text>'
        '<text class="label" x="{m2}" y="{top}">{total}</text>'
        '</svg><figcaption id="burn-up-text">{summary}</figcaption></figure>'
    ).format(
        w=WIDTH,
        h=HEIGHT,
        title=words["burn_up"],
        m=MARGIN,
        m2=MARGIN + 4,
        r=WIDTH - MARGIN,
        t=MARGIN,
        b=HEIGHT - MARGIN,
        top=MARGIN - 8,
        below=HEIGHT - MARGIN + 16,
        planned=line(picture.planned, last, "planned"),
        done=line(picture.done, picture.today, "done"),
        today=today,
        start=day_text(first),
        finish=day_text(last),
        total=number(picture.total),
        summary=escape(summary),
    )
