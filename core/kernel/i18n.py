"""The language the coach speaks: gettext catalogs managed with Babel, one per package of
the core, and dates, numbers and weekday names formatted for the language by Babel.

A package takes its catalog once, `_, n_ = messages("learning")`, and wraps what it says:
`_("Rest day.")`, `n_("{count} item", "{count} items", count).format(count=count)`. The
words are looked up when they are said, in the language of the update or post being
answered (`speaking`), so one worker speaks to a Persian and a Russian learner at once.

Catalogs live in core/locale/<language>/LC_MESSAGES/<package>.po. `make catalogs` compiles
them to .mo files beside them; a catalog never compiled is read from its .po, so a fresh
checkout speaks every language.
"""

from __future__ import annotations

import gettext
import io
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, time
from functools import cache, lru_cache, reduce
from pathlib import Path
from typing import Literal

ENGLISH = "en"
LANGUAGES = (ENGLISH, "fa", "ru")
NAMES = {"en": "English", "fa": "فارسی", "ru": "Русский"}
RIGHT_TO_LEFT = frozenset({"fa"})
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# A reader of Persian expects Persian digits in numbers and dates.
_DIGITS = {"fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")}

_speaking: ContextVar[str] = ContextVar("speaking", default=ENGLISH)

# Pseudo-localization, a test instrument: with it on, everything said through a catalog or
# formatted for the language is put between two invisible marks, so a test can find text
# that reached a learner without passing through the catalogs (see `marked`).
# A process started with COACH_PSEUDO_LOCALE=1 marks from the start: a test's `coach` run.
TRANSLATED_OPENS, TRANSLATED_CLOSES = "\u2062", "\u2063"
PSEUDO_LOCALE_SETTING = "COACH_PSEUDO_LOCALE"
_marking = os.environ.get(PSEUDO_LOCALE_SETTING) == "1"

Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def N_(message: str) -> str:
    """Marks a message for the catalogs without translating it: said later with `_()`."""
    return message


def mark_translations(on: bool) -> None:
    """Turns pseudo-localization on or off for the whole process."""
    global _marking
    _marking = on


def marking() -> bool:
    return _marking


def marked(text: str) -> str:
    """`text` as pseudo-localization hands it out: between the marks when they are on."""
    return f"{TRANSLATED_OPENS}{text}{TRANSLATED_CLOSES}" if _marking else text


def as_typed(text: str) -> str:
    """Words that are the same in every language (a command and its keywords as a learner
    types them, a language's own name): nothing to translate, so handed out as if they
    were."""
    return marked(text)


def language() -> str:
    """The language being spoken now."""
    return _speaking.get()


@contextmanager
def speaking(code: str | None) -> Iterator[str]:
    """Speaks `code` (one of LANGUAGES; anything else speaks English) until the block ends."""
    chosen = code if code in LANGUAGES else ENGLISH
    token = _speaking.set(chosen)
    try:
        yield chosen
    finally:
        _speaking.reset(token)


def supported(tag: str | None) -> str | None:
    """The language of ours a platform's tag names ("fa-IR", "ru", "en-GB"), or None."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in LANGUAGES else None


def is_right_to_left(code: str | None = None) -> bool:
    return (code or language()) in RIGHT_TO_LEFT


# Put before each line of a right-to-left message, so a line that opens with a command,
# a number or an English title still lines up from the right.
RIGHT_TO_LEFT_MARK = "\u200f"


def written_right_to_left(texts: Iterable[str]) -> bool:
    """Whether the coach's own words in `texts` are in a right-to-left script: any letter
    of one makes the message right to left."""
    return any(unicodedata.bidirectional(char) in ("R", "AL") for text in texts for char in text)


@cache
def _catalog(domain: str, code: str) -> gettext.NullTranslations:
    folder = LOCALE_DIR / code / "LC_MESSAGES"
    compiled, source = folder / f"{domain}.mo", folder / f"{domain}.po"
    if compiled.exists() and (
        not source.exists() or compiled.stat().st_mtime >= source.stat().st_mtime
    ):
        with compiled.open("rb") as file:
            return gettext.GNUTranslations(file)
    if source.exists():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with source.open("rb") as file:
            catalog = read_po(file, locale=code, domain=domain)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


def messages(domain: str) -> tuple[Gettext, Ngettext]:
    """The `_` and `n_` of one package's catalog, answering in the language spoken now."""

    def translate(message: str) -> str:
        code = language()
        said = message if code == ENGLISH else _catalog(domain, code).gettext(message)
        return marked(said) if _marking else said

    def translate_plural(singular: str, plural: str, count: int) -> str:
        code = language()
        if code == ENGLISH:
            said = singular if count == 1 else plural
        else:
            said = _catalog(domain, code).ngettext(singular, plural, count)
        return marked(said) if _marking else said

    return translate, translate_plural


def translation(domain: str, message: str, code: str) -> str | None:
    """The catalog's own translation of `message` into `code`, or None where it has none:
    for words a platform localizes itself, such as Discord's command menus."""
    if code == ENGLISH:
        return None
    said = _catalog(domain, code).gettext(message)
    return None if said == message else said


# -- numbers, dates and times, as the language writes them --------------------------------


def digits(text: str, code: str | None = None) -> str:
    """`text` with its digits in the language's own."""
    table = _DIGITS.get(code or language())
    return text.translate(table) if table else text


def number(value: float, code: str | None = None) -> str:
    """1.5 as "1.5", "۱٫۵" or "1,5"; whole numbers without a fraction."""
    spoken = code or language()
    if value == int(value) and abs(value) < 1000:
        # Most numbers said are small counts: no separators to place, so no Babel, whose
        # formatting costs a tenth of a millisecond a number on the hot path of /today.
        return digits(str(int(value)), spoken)
    return _formatted_number(value, spoken)


@lru_cache(maxsize=4096)
def _formatted_number(value: float, spoken: str) -> str:
    from babel.numbers import format_decimal

    # The locale's own numbering: Persian digits with its decimal and grouping marks.
    shown = format_decimal(value, format="#,##0.##", locale=spoken, numbering_system="default")
    return digits(shown, spoken)


def day(value: date, code: str | None = None, *, year: bool = False) -> str:
    """A day as a chat line names it: "Fri 4 Dec", "пт 4 дек.", "جمعه ۴ دسامبر"."""
    return marked(_formatted_day(value, code or language(), year))


@lru_cache(maxsize=4096)  # a plan names the same few days over and over
def _formatted_day(value: date, spoken: str, year: bool) -> str:
    from babel.dates import format_date

    shown = format_date(value, "EEE d MMM y" if year else "EEE d MMM", locale=spoken)
    return digits(shown, spoken)


def clock_time(value: time, code: str | None = None) -> str:
    """A time of day on the 24-hour clock: "07:30"."""
    spoken = code or language()
    return digits(f"{value:%H:%M}", spoken)


def weekday(number_of_day: int, code: str | None = None, *, width: str = "abbreviated") -> str:
    """A weekday's name, Monday 0: "Mon", "пн", "دوشنبه"."""
    from babel import Locale

    return marked(str(Locale.parse(code or language()).days["format"][width][number_of_day]))


# -- lists, as the language writes them (Babel's patterns) --------------------------------

# World English lists without a comma before the last name, as the coach always has.
_ENGLISH_LISTS = "en_001"


def _list_locale() -> str:
    spoken = language()
    return _ENGLISH_LISTS if spoken == ENGLISH else spoken


def listed(names: Sequence[str], *, style: Literal["standard", "or"] = "standard") -> str:
    """'A, B and C' (or with style "or", 'A, B or C') as the language spoken lists them."""
    from babel.lists import format_list

    return marked(format_list(list(names), style=style, locale=_list_locale()))


def one_after_another(names: Sequence[str]) -> str:
    """'A, B, C': the names with the language's comma between them, and no last 'and'."""
    from babel import Locale

    middle = Locale.parse(_list_locale()).list_patterns["standard"]["middle"]
    return marked(reduce(middle.format, names)) if names else ""
