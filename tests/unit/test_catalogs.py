"""Every word the coach says is in every language's catalog, translated, with the same
placeholders, and the catalogs hold what the code says now (`make messages` was run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.kernel.i18n import ENGLISH, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
CORE, ADAPTERS = ROOT / "core", ROOT / "adapters"
DOMAINS = sorted(p.stem for p in LOCALE_DIR.glob("*.pot"))
TRANSLATED = [code for code in LANGUAGES if code != ENGLISH]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def said_in_code(domain: str) -> set[str | tuple[str, str]]:
    """The messages the package's code says, as `make messages` extracts them."""
    package = CORE / domain if (CORE / domain).is_dir() else ADAPTERS / domain
    found = extract_from_dir(
        package, keywords={"_": None, "N_": None, "n_": (1, 2)}, comment_tags=()
    )
    return {msgid if isinstance(msgid, str) else tuple(msgid) for _, _, msgid, *_ in found}


def catalog(code: str, domain: str) -> Catalog:
    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"no {code} catalog for {domain}: run make messages"
    with path.open("rb") as file:
        return read_po(file, locale=code, domain=domain)


def test_every_package_that_speaks_has_a_catalog_of_its_own_name() -> None:
    taken = {
        (path.parent.name, domain)
        for path in [*CORE.rglob("*.py"), *ADAPTERS.rglob("*.py")]
        if path.name != "i18n.py"  # its docstring shows how
        for domain in re.findall(r'=\s*messages\("(\w+)"\)', path.read_text("utf-8"))
    }
    assert all(package == domain for package, domain in taken), taken
    assert {domain for _, domain in taken} <= set(DOMAINS)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(code: str, domain: str) -> None:
    messages = catalog(code, domain)
    in_catalog = {m.id if isinstance(m.id, str) else tuple(m.id) for m in messages if m.id}
    missing = said_in_code(domain) - in_catalog
    assert not missing, (
        f"not in the {code} catalog (run make messages): {sorted(map(str, missing))[:5]}"
    )
    problems = []
    for message in messages:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted:
                problems.append(f"a placeholder the English has not: {string!r}")
    assert not problems, problems[:10]
