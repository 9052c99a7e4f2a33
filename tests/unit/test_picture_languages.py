"""The progress pictures, /progress and /plan in Persian and Russian: every word of theirs
translated, Persian laid out right to left in glyphs the font has, numbers and dates as each
language writes them, and the language carried to the drawing process inside the picture."""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from babel import Locale
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat, features

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.i18n import LOCALE_DIR, messages, speaking
from core.kernel.refs import LearnerRef
from core.learning.tracks import BuiltinCatalog
from core.progress import canvas
from core.progress.burnup import BurnUpPicture
from core.progress.canvas import Canvas
from core.progress.charts import (
    COLOURS,
    HEIGHT_PX,
    TITLE_Y,
    WIDTH_PX,
    ChartRenderer,
    GroupWeekPicture,
    MemberWeek,
    ProgressPicture,
    WeekBar,
    burn_up_png,
    date_labels,
    group_week_png,
    hours_label,
    progress_png,
    week_bars,
)
from core.progress.plan_report import plan_chart_caption
from core.progress.views import progress_chart_caption
from tests.conftest import MONDAY_MORNING, Learner
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.fakes.renderer import RecordingRenderer

TODAY = date(2026, 11, 22)  # a Sunday
PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")
TRANSLATED = ("fa", "ru")


def learner_picture(language: str) -> ProgressPicture:
    return ProgressPicture(
        title="Python Backend Developer: week 6 of 24",
        weeks=tuple(WeekBar(n, 7, max(0, 9 - n)) for n in range(1, 25)),
        done_by_day={TODAY - timedelta(days=i): i % 6 for i in range(60)},
        today=TODAY,
        current_week=6,
        hours_by_day={TODAY: 2.0, TODAY - timedelta(days=3): 0.5},
        language=language,
    )


def burn_up_picture(language: str) -> BurnUpPicture:
    start = TODAY - timedelta(days=59)
    done = tuple((start + timedelta(days=n), n + 1) for n in range(60))
    finish = TODAY + timedelta(days=30)
    planned = (*done, (finish, 120))
    pace = TODAY + timedelta(days=40)
    return BurnUpPicture("Python: planned", start, TODAY, planned, done, finish, pace, language)


def group_picture(language: str) -> GroupWeekPicture:
    members = tuple(MemberWeek(f"Learner {n}", n % 8, n) for n in range(20))
    return GroupWeekPicture("Study hall: week 6", 7, (*members, MemberWeek("مریم", 5, 3)), language)


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()  # the whole PNG, not its header only
    return image.convert("RGB")


DRAWINGS = {
    "progress": (learner_picture, progress_png),
    "burn-up": (burn_up_picture, burn_up_png),
    "group week": (group_picture, group_week_png),
}


@pytest.mark.parametrize("kind", DRAWINGS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_each_picture_draws_in_each_language_at_the_same_size(kind: str, language: str) -> None:
    make, draw = DRAWINGS[kind]
    english, spoken = decoded(draw(make("en"))), decoded(draw(make(language)))
    assert english.size == spoken.size == (WIDTH_PX, HEIGHT_PX)
    assert english.tobytes() != spoken.tobytes()  # its headings, labels and legends


def test_the_pictures_keep_the_layout_of_their_plots_in_persian() -> None:
    """The plots are not mirrored: the bars of the weeks stand where they stand in English
    (the time axis runs left to right), only the words around them change."""
    english, persian = (decoded(progress_png(learner_picture(c))) for c in ("en", "fa"))
    bars = (400, 300, 900, 600)  # inside the upper plot, below its legend
    assert english.crop(bars).tobytes() == persian.crop(bars).tobytes()


def test_a_persian_title_is_drawn_in_persian_words_right_to_left() -> None:
    english = dataclasses.replace(learner_picture("fa"), title="Python Backend: week 6 of 24")
    with speaking("fa"):
        title = _progress("{track}: week {number} of {total}").format(
            track="Python Backend", number="۶", total="۲۴"
        )
    persian = dataclasses.replace(english, title=title)
    strip = (0, 0, WIDTH_PX, TITLE_Y + 40)
    drawn = decoded(progress_png(persian)).crop(strip)
    assert drawn.tobytes() != decoded(progress_png(english)).crop(strip).tobytes()
    assert drawn.getcolors(maxcolors=4096) != [(drawn.width * drawn.height, (255, 255, 255))]


def _progress(message: str) -> str:
    translate, _ = messages("progress")
    return translate(message)


def _ink(image: Image.Image) -> Image.Image:
    """The part of a white picture that is drawn on, in greys."""
    grey = image.convert("L")
    return grey.crop(ImageOps.invert(grey).getbbox())


def _drawn_on_canvas(language: str, text: str) -> Image.Image:
    picture = Canvas(400, 60, COLOURS, language=language)
    picture.text((20, 30), text, anchor="lm")
    return _ink(decoded(picture.png()))


def _drawn_left_to_right(text: str) -> Image.Image:
    image = Image.new("L", (400, 60), 255)
    font = canvas.font(canvas.TEXT)
    ImageDraw.Draw(image).text((20, 30), text, font=font, anchor="lm", direction="ltr")
    return _ink(image)


def _unlike(one: Image.Image, other: Image.Image) -> float:
    """How far apart two drawings are: the mean difference of their greys, 0 to 255."""
    size = (max(one.width, other.width), max(one.height, other.height))
    first, second = Image.new("L", size, 255), Image.new("L", size, 255)
    first.paste(one)
    second.paste(other)
    return float(ImageStat.Stat(ImageChops.difference(first, second)).mean[0])


def test_persian_is_shaped_and_laid_out_right_to_left() -> None:
    assert features.check("raqm"), "Pillow needs raqm to shape Persian and lay it out"
    # Right to left, the English word that opens a Persian line stands at its right end:
    # drawn as its letters are, in that order, from left to right.
    persian = _drawn_on_canvas("fa", "Python: هفته ۶")
    assert _unlike(persian, _drawn_left_to_right("۶ هفته :Python")) < 5
    assert _unlike(persian, _drawn_left_to_right("Python: هفته ۶")) > 30
    # Shaped: joined letters take their joining forms, narrower than standing alone.
    picture = Canvas(10, 10, COLOURS, language="fa")
    assert picture.width_of("ببب") < 3 * picture.width_of("ب")


def test_a_learners_own_words_keep_their_direction_in_a_persian_picture() -> None:
    persian = Canvas(10, 10, COLOURS, language="fa")
    assert persian.width_of("Ada!", theirs=True) == Canvas(10, 10, COLOURS).width_of("Ada!")


def _persian_words_drawn() -> set[str]:
    """Every character a Persian picture may write: its catalog's words, its digits and
    separators, and the month and weekday names Babel gives its dates."""
    with (LOCALE_DIR / "fa" / "LC_MESSAGES" / "progress.po").open("rb") as file:
        catalog = read_po(file, locale="fa", domain="progress")
    texts = []
    for message in catalog:
        if message.id:
            texts += [message.string] if isinstance(message.string, str) else message.string
    persian = Locale.parse("fa")
    for names in (persian.months["format"], persian.months["stand-alone"], persian.days["format"]):
        texts += [name for width in names.values() for name in width.values()]
    texts.append("۰۱۲۳۴۵۶۷۸۹٫٬–…")
    said = re.sub(r"\{[a-z_]*\}", "", "".join(texts))
    # Format characters (joiners, direction marks) are laid out, not drawn.
    return {char for char in said if unicodedata.category(char) != "Cf"}


@pytest.mark.parametrize("bold", [False, True])
def test_the_font_has_a_glyph_for_every_persian_character_drawn(bold: bool) -> None:
    path = canvas.font(canvas.TEXT, bold).path  # type: ignore[union-attr]
    assert "DejaVuSans" in str(path), f"the pictures draw in DejaVu Sans, not {path}"
    glyphs = TTFont(path, lazy=True).getBestCmap()
    missing = sorted(c for c in _persian_words_drawn() if ord(c) not in glyphs)
    assert not missing, [f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in missing]


def test_numbers_and_dates_in_the_pictures_are_written_as_each_language_writes_them() -> None:
    weeks = tuple(WeekBar(n, 5, 3) for n in range(1, 157))
    months = [date(2026, 11, 1), date(2027, 1, 1), date(2027, 3, 1)]
    assert date_labels([date(2026, 11, 16)]) == ["16 Nov"]  # English, as before
    with speaking("fa"):
        [mondays] = date_labels([date(2026, 11, 16)])
        assert mondays.startswith("۱۶ ") and "نوامبر" in mondays
        assert date_labels(months)[0] == "نوامبر ۲۰۲۶"
        assert set(hours_label(12.4)) >= {"۱", "۲"} and "h" not in hours_label(12.4)
        assert week_bars(weeks, 156)[1][0].label == "۱–۷"
    with speaking("ru"):
        assert date_labels([date(2026, 11, 16)]) == ["16 нояб."]
        assert date_labels(months) == ["нояб. 2026", "янв. 2027", "март"]
        assert hours_label(2.5) == "2,5 ч"


def test_russian_counts_take_the_form_their_number_asks_for() -> None:
    _, plural = messages("progress")
    with speaking("ru"):
        said = {
            n: plural("{count} answer", "{count} answers", n).format(count=n) for n in (1, 3, 5, 21)
        }
        weeks = {n: plural("Items per {count} week", "Items per {count} weeks", n) for n in (3, 5)}
    assert said == {1: "1 ответ", 3: "3 ответа", 5: "5 ответов", 21: "21 ответ"}
    assert weeks[3].endswith("{count} недели") and weeks[5].endswith("{count} недель")


async def test_a_picture_takes_its_language_to_the_drawing_process() -> None:
    with speaking("fa"):
        persian = dataclasses.replace(learner_picture("en"), language="fa")
        made_in_persian = ProgressPicture("Persian", (WeekBar(1, 3, 1),), {}, TODAY, 1)
    assert made_in_persian.language == "fa"  # the language spoken when it was made
    renderer = ChartRenderer()
    try:
        english = await renderer.progress(learner_picture("en"))
        drawn = await renderer.progress(persian)  # drawn where no language is spoken
        assert await renderer.progress(persian) == drawn
    finally:
        renderer.close()
    assert renderer.drawn == 2  # the same picture in another language is another picture
    assert drawn != english and drawn == progress_png(persian)


# -- /progress and /plan, as a Persian and a Russian learner get them -------------------------


@pytest.fixture
def renderer() -> Iterator[RecordingRenderer]:
    renderer = RecordingRenderer()
    yield renderer
    renderer.close()


def learner(renderer: RecordingRenderer, language: str) -> Learner:
    uow = MemoryUnitOfWorkFactory(MemoryDatabase())
    coach = Coach(uow, FrozenClock(MONDAY_MORNING), BuiltinCatalog(), charts=renderer)
    someone = Learner(coach, "mina")
    someone.ref = LearnerRef("test", "mina", "Mina", language=language)
    return someone


@pytest.mark.parametrize("language", TRANSLATED)
async def test_progress_speaks_the_learners_language(
    renderer: RecordingRenderer, language: str
) -> None:
    mina = learner(renderer, language)
    await mina.say("/start")
    await mina.say("/done")
    text = await mina.say("/progress")
    assert mina.last is not None and mina.last.image is not None
    with speaking(language):
        assert mina.last.image.caption == progress_chart_caption()
    assert mina.last.image.caption != progress_chart_caption()  # not the English one
    for english in ("Items done:", "Weeks completed:", "Hours logged in total:", "Progress on"):
        assert english not in text
    [picture] = renderer.pictures
    assert picture.language == language
    assert "week" not in picture.title and "Python" in picture.title
    if language == "fa":
        assert PERSIAN_DIGITS & set(text) and PERSIAN_DIGITS & set(picture.title)


@pytest.mark.parametrize("language", TRANSLATED)
async def test_plan_draws_its_burn_up_in_the_learners_language(
    renderer: RecordingRenderer, language: str
) -> None:
    mina = learner(renderer, language)
    await mina.say("/start")
    await mina.say("/done")
    await mina.say("/plan")
    assert mina.last is not None and mina.last.image is not None
    with speaking(language):
        assert mina.last.image.caption == plan_chart_caption()
    assert mina.last.image.caption != plan_chart_caption()
    [picture] = renderer.burn_ups
    assert picture.language == language and "planned and done" not in picture.title
    english = dataclasses.replace(picture, language="en", title="Python: planned and done")
    assert decoded(burn_up_png(picture)).size == decoded(burn_up_png(english)).size
