"""Names listed as the language spoken says them: "A, B or C" in English, "A، B یا C" in
Persian, "A, B или C" in Russian (Babel's patterns, kept in core.kernel.i18n)."""

from __future__ import annotations

from collections.abc import Sequence

from core.kernel.i18n import listed, one_after_another

__all__ = ["either", "one_after_another"]


def either(names: Sequence[str]) -> str:
    """'A or B', 'A, B or C'."""
    return listed(names, style="or")
