"""Where the web view is served and the address its links start with."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("COACH_WEB_LISTEN", "COACH_WEB_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_out_of_the_box_links_go_to_the_local_address(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings(monkeypatch).web_links == "http://127.0.0.1:8321"


def test_a_public_address_is_what_links_start_with(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = settings(monkeypatch, COACH_WEB_ADDRESS="https://coach.example.org/")
    assert chosen.web_links == "https://coach.example.org"


def test_off_serves_nothing_and_gives_no_links(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = settings(monkeypatch, COACH_WEB_LISTEN="off", COACH_WEB_ADDRESS="https://a.example")
    assert chosen.web_listen is None and chosen.web_links is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COACH_WEB_LISTEN", "8321"),
        ("COACH_WEB_ADDRESS", "coach.example.org"),
        ("COACH_WEB_ADDRESS", "ftp://coach.example.org"),
        ("COACH_WEB_ADDRESS", "https://coach.example.org/?next=1"),
    ],
)
def test_a_malformed_setting_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ValidationError):
        settings(monkeypatch, **{name: value})
