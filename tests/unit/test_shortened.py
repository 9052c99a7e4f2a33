"""Text shortened for a platform's limit is cut between words, never inside one it can keep."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.kernel.reply import shortened


def test_text_within_the_limit_is_kept_whole() -> None:
    assert shortened("Git basics: init, add, commit", 29) == "Git basics: init, add, commit"


def test_a_cut_falls_between_words_and_drops_dangling_punctuation() -> None:
    label = "✓ 4. Git basics: init, add, commit, push, plus a .gitignore"
    assert shortened(label, 41) == "✓ 4. Git basics: init, add, commit, push…"
    assert shortened(label, 40) == "✓ 4. Git basics: init, add, commit…"  # not "pus…"


def test_one_long_word_is_cut_inside_it() -> None:
    assert shortened("Supercalifragilisticexpialidocious", 10) == "Supercali…"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300), st.integers(1, 120))
def test_a_shortened_text_fits_and_starts_the_original(text: str, limit: int) -> None:
    short = shortened(text, limit)
    assert len(short) <= limit
    if short != text:
        assert short.endswith("…")
        assert text.startswith(short[:-1])
