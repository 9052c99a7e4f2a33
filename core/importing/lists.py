"""Names listed as a sentence of the language spoken says them: "A, B or C" in English,
"A، B یا C" in Persian, "A, B или C" in Russian (Babel's patterns)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from core.kernel.i18n import ENGLISH, language

# World English lists without a comma before the last name, as the coach always has.
_ENGLISH_LISTS = "en_001"


def _locale() -> str:
    spoken = language()
    return _ENGLISH_LISTS if spoken == ENGLISH else spoken


def either(names: Sequence[str]) -> str:
    """'A or B', 'A, B or C'."""
    from babel.lists import format_list

    return format_list(list(names), style="or", locale=_locale())


def one_after_another(names: Sequence[str]) -> str:
    """'A, B, C': the names with the language's comma between them, and no last 'and'."""
    from babel import Locale

    middle = Locale.parse(_locale()).list_patterns["standard"]["middle"]
    return reduce(middle.format, names) if names else ""
