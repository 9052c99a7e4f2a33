"""Just enough of a chart for the progress pictures, drawn with Pillow: text in DejaVu Sans,
filled boxes, axes with their ticks, bars. Only the drawing processes import this module.

Pillow rather than matplotlib: a picture costs about 20 ms of CPU instead of 200 to 300
(matplotlib's constrained layout measured every tick label, each figure was drawn twice, and
hundreds of artists were made and thrown away), and a drawing process holds about 25 MB
instead of 130 to 200 (bench/charts.py).

A picture in a right-to-left language lays out its own words right to left, shaped by
Pillow's raqm layout (HarfBuzz and FriBidi): a Persian sentence holding an English track
title reads from the right. A learner's own words (a member's name) take the direction
of their first letter."""

from __future__ import annotations

import importlib.util
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from core.kernel import i18n

Box = tuple[float, float, float, float]  # left, top, right, bottom, in pixels
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

INK = "#000000"
TEXT = 21  # pixels: matplotlib's 10 pt at 150 dpi
TICK = 7  # the length of a tick mark
# Greys between black and white for the edges of letters: a picture of a few flat colours,
# encoded as a PNG of one byte a pixel (a palette) rather than three, is encoded in a quarter
# of the time and comes out half the size (bench/charts.py).
GREYS = tuple(f"#{v:02X}{v:02X}{v:02X}" for v in range(17, 255, 17))
PNG_LEVEL = 6  # zlib's default: 7 ms and 20 kB a picture; level 1 is 3 ms and 48 kB


@cache
def font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans, which matplotlib drew with: matplotlib's copy, else the system's; Pillow's
    own font when neither is there."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _font_folders():
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def _font_folders() -> list[Path]:
    folders = []
    spec = importlib.util.find_spec("matplotlib")  # finds the package without importing it
    if spec is not None:
        folders += [Path(p) / "mpl-data/fonts/ttf" for p in spec.submodule_search_locations or ()]
    return [*folders, Path("/usr/share/fonts/truetype/dejavu")]


@dataclass(frozen=True)
class _Layout:
    """Pillow's text direction and language: None lets it see for itself."""

    direction: str | None = None
    language: str | None = None


def _layout(text_font: Font, language: str, theirs: bool) -> _Layout:
    """How Pillow lays out text in `language`: right to left for ours in such a language,
    where the font is shaped by raqm; else as Pillow sees fit."""
    shaped = getattr(text_font, "layout_engine", None) == ImageFont.Layout.RAQM
    if not shaped or not i18n.is_right_to_left(language):
        return _Layout()
    return _Layout(None if theirs else "rtl", language)


class Canvas:
    """A white picture to draw on in the given colours (and black), given back as a PNG,
    its words laid out as `language` writes them."""

    def __init__(
        self, width: int, height: int, colours: Sequence[str], *, language: str = i18n.ENGLISH
    ) -> None:
        self._image = Image.new("RGB", (width, height), "white")
        self._draw = ImageDraw.Draw(self._image)
        self._palette = _palette(("#FFFFFF", INK, *colours, *GREYS))
        self.language = language

    @property
    def right_to_left(self) -> bool:
        return i18n.is_right_to_left(self.language)

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        size: int = TEXT,
        anchor: str = "la",
        bold: bool = False,
        colour: str = INK,
        theirs: bool = False,
    ) -> None:
        """Text drawn as written; anchor as Pillow's, on the text as laid out: "la" is left
        and ascender, "mm" middle. `theirs`: a learner's words, not the picture's language."""
        shape = font(size, bold)
        layout = _layout(shape, self.language, theirs)
        self._draw.text(
            xy,
            text,
            fill=colour,
            font=shape,
            anchor=anchor,
            direction=layout.direction,
            language=layout.language,
        )

    def upright_text(self, xy: tuple[float, float], text: str, *, size: int = TEXT) -> None:
        """Text read from the bottom up, centred on xy: a y axis's label."""
        shape = font(size)
        layout = _layout(shape, self.language, theirs=False)
        left, top, right, bottom = self._draw.textbbox(
            (0, 0),
            text,
            font=shape,
            anchor="lt",
            direction=layout.direction,
            language=layout.language,
        )
        mask = Image.new("L", (math.ceil(right - left) + 2, math.ceil(bottom - top) + 2))
        ImageDraw.Draw(mask).text(
            (1, 1),
            text,
            fill=255,
            font=shape,
            anchor="lt",
            direction=layout.direction,
            language=layout.language,
        )
        mask = mask.transpose(Image.Transpose.ROTATE_90)
        corner = (round(xy[0] - mask.width / 2), round(xy[1] - mask.height / 2))
        self._image.paste(INK, (*corner, corner[0] + mask.width, corner[1] + mask.height), mask)

    def width_of(
        self, text: str, *, size: int = TEXT, bold: bool = False, theirs: bool = False
    ) -> float:
        shape = font(size, bold)
        layout = _layout(shape, self.language, theirs)
        return self._draw.textlength(
            text, font=shape, direction=layout.direction, language=layout.language
        )

    def fitted(self, text: str, width: float, *, size: int = TEXT, bold: bool = False) -> str:
        """The text, cut short with an ellipsis if it is wider than `width`."""
        cut = len(text)
        while cut > 1 and self.width_of(text[:cut], size=size, bold=bold) > width:
            cut -= 1
        return text if cut == len(text) else text[: cut - 1] + "…"

    def box(
        self, box: Box, fill: str | None, *, outline: str | None = None, width: int = 1
    ) -> None:
        left, top, right, bottom = box
        if round(right) <= round(left) or round(bottom) <= round(top):
            return  # nothing to fill
        self._draw.rectangle(
            (round(left), round(top), round(right) - 1, round(bottom) - 1),
            fill=fill,
            outline=outline,
            width=width,
        )

    def line(
        self, points: Sequence[tuple[float, float]], *, width: int = 2, colour: str = INK
    ) -> None:
        self._draw.line([(round(x), round(y)) for x, y in points], fill=colour, width=width)

    def dashed_line(
        self,
        start: tuple[float, float],
        end: tuple[float, float],
        *,
        colour: str = INK,
        width: int = 2,
        dash: float = 16,
        gap: float = 10,
    ) -> None:
        """A straight line in dashes: what is foreseen rather than done."""
        length = math.dist(start, end)
        at = 0.0
        while at < length:
            upto = min(at + dash, length)
            piece = [_along(start, end, at / length), _along(start, end, upto / length)]
            self.line(piece, width=width, colour=colour)
            at = upto + gap

    def area(self, points: Sequence[tuple[float, float]], fill: str) -> None:
        """A filled shape through the points, closed from the last back to the first."""
        self._draw.polygon([(round(x), round(y)) for x, y in points], fill=fill)

    def png(self) -> bytes:
        """Every pixel in the nearest colour of the palette: the colours drawn are in it, and
        the edges of letters in a grey or colour close to their own."""
        picture = self._image.quantize(palette=self._palette, dither=Image.Dither.NONE)
        buffer = io.BytesIO()
        picture.save(buffer, "PNG", compress_level=PNG_LEVEL)
        return buffer.getvalue()


def _along(
    start: tuple[float, float], end: tuple[float, float], share: float
) -> tuple[float, float]:
    return start[0] + (end[0] - start[0]) * share, start[1] + (end[1] - start[1]) * share


def _palette(colours: Sequence[str]) -> Image.Image:
    palette = Image.new("P", (1, 1))
    palette.putpalette([int(c[i : i + 2], 16) for c in colours for i in (1, 3, 5)])
    return palette


@dataclass(frozen=True)
class Scale:
    """From a value to a pixel along one axis: `low` at pixel `start`, `high` at `end`."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def counting_ticks(top: float, most: int = 9) -> list[int]:
    """Whole numbers from 0 to `top`, 1, 2 or 5 times a power of ten apart, at most `most`."""
    step = 1
    while top / step >= most:
        step = _next_step(step)
    return list(range(0, math.floor(top) + 1, step))


def _next_step(step: int) -> int:
    return step * 5 // 2 if str(step).startswith("2") else step * 2  # 1, 2, 5, 10, 20, 50…


def axes(canvas: Canvas, plot: Box) -> None:
    """The left and bottom spines of a plot."""
    left, top, right, bottom = plot
    canvas.line([(left, top), (left, bottom), (right, bottom)])


@lru_cache(maxsize=1024)
def _counted(value: int, language: str) -> str:
    """A count as `language` writes it: Babel takes a good part of a millisecond to say
    one, and a picture says dozens, mostly the same from one picture to the next."""
    return i18n.number(value, language)


def value_axis(canvas: Canvas, plot: Box, scale: Scale, ticks: Sequence[int], label: str) -> None:
    """A vertical axis of counts: ticks and their numbers on the left, the label beside them."""
    left = plot[0]
    for tick in ticks:
        y = scale(tick)
        canvas.line([(left - TICK, y), (left, y)])
        canvas.text((left - TICK - 6, y), _counted(tick, canvas.language), anchor="rm")
    widest = max((canvas.width_of(_counted(tick, canvas.language)) for tick in ticks), default=0)
    canvas.upright_text((left - TICK - 22 - widest, (plot[1] + plot[3]) / 2), label)


def category_axis(
    canvas: Canvas, plot: Box, centres: Sequence[float], labels: Sequence[str], label: str
) -> None:
    """A horizontal axis: a tick under each centre, labels thinned out where they would touch,
    and the axis's label under them."""
    bottom = plot[3]
    spacing = centres[1] - centres[0] if len(centres) > 1 else math.inf
    widest = max((canvas.width_of(text) for text in labels), default=0)
    every = max(1, math.ceil((widest + 10) / spacing))
    for index, (x, text) in enumerate(zip(centres, labels, strict=True)):
        if index % every == 0:
            canvas.line([(x, bottom), (x, bottom + TICK)])
            canvas.text((x, bottom + TICK + 4), text, anchor="mt")
    canvas.text(((plot[0] + plot[2]) / 2, bottom + TICK + 34), label, anchor="mt")
