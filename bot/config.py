"""Settings from the environment and an optional .env file, checked before anything starts."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, time
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.kernel.settings_input import SettingsInputError, parse_time, parse_timezone
from core.storage.urls import check_database_url


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    # An empty variable (TELEGRAM_BOT_TOKEN= in a compose file) means "not set".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: Annotated[str, Field(validation_alias=_env("DATABASE_URL"))] = (
        "sqlite+aiosqlite:///coach.db"
    )
    telegram_bot_token: Annotated[
        SecretStr | None, Field(validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    ] = None
    telegram_api_base: Annotated[
        HttpUrl | None, Field(validation_alias=_env("TELEGRAM_API_BASE"))
    ] = None
    # Webhook mode when a public URL is set; long polling otherwise.
    telegram_webhook_url: Annotated[
        HttpUrl | None, Field(validation_alias=_env("TELEGRAM_WEBHOOK_URL"))
    ] = None
    telegram_webhook_secret: Annotated[
        SecretStr | None, Field(validation_alias=_env("TELEGRAM_WEBHOOK_SECRET"))
    ] = None
    telegram_webhook_listen: Annotated[
        str, Field(validation_alias=_env("TELEGRAM_WEBHOOK_LISTEN"))
    ] = "0.0.0.0:8080"
    discord_bot_token: Annotated[
        SecretStr | None, Field(validation_alias=_env("DISCORD_BOT_TOKEN"))
    ] = None
    discord_api_base: Annotated[
        HttpUrl | None, Field(validation_alias=_env("DISCORD_API_BASE"))
    ] = None
    # Workers on one Discord token split the servers by gateway shard; unset, one process
    # serves them all. A worker runs DISCORD_SHARD_IDS ("0,1"), all of them when unset.
    discord_shard_count: Annotated[
        int | None, Field(validation_alias=_env("DISCORD_SHARD_COUNT"), ge=1)
    ] = None
    discord_shard_ids: Annotated[
        tuple[int, ...] | None, NoDecode, Field(validation_alias=_env("DISCORD_SHARD_IDS"))
    ] = None
    # New learners start with these; each learner changes their own in /settings.
    default_timezone: Annotated[str, Field(validation_alias=_env("COACH_DEFAULT_TIMEZONE"))] = "UTC"
    default_nudge_time: Annotated[
        time, Field(validation_alias=_env("COACH_DEFAULT_NUDGE_TIME"))
    ] = time(9, 0)
    # Pins the clock to one instant: for demos and scripted end-to-end runs.
    frozen_time: Annotated[datetime | None, Field(validation_alias=_env("COACH_FROZEN_TIME"))] = (
        None
    )
    log_level: Annotated[str, Field(validation_alias=_env("LOG_LEVEL"))] = "WARNING"
    # json: one object a line, for a log collector; text for a person at a terminal.
    log_format: Annotated[
        Literal["text", "json"], Field(validation_alias=_env("COACH_LOG_FORMAT"))
    ] = "text"
    # /healthz, /readyz and /metrics; None ("off") serves none of them. 9464 is the port
    # exporters conventionally take, away from the Prometheus server's own 9090.
    ops_listen: Annotated[str | None, Field(validation_alias=_env("COACH_OPS_LISTEN"))] = (
        "127.0.0.1:9464"
    )
    # The web view (/web): where it is served, None ("off") not at all, and the address its
    # links start with, when a proxy puts it elsewhere (https://coach.example.org).
    web_listen: Annotated[str | None, Field(validation_alias=_env("COACH_WEB_LISTEN"))] = (
        "127.0.0.1:8321"
    )
    web_address: Annotated[str | None, Field(validation_alias=_env("COACH_WEB_ADDRESS"))] = None
    # The scheduler: nudges, digests and quiz questions. A worker that should only answer
    # (a second webhook replica, say) may switch it off; the others share the outbox.
    scheduler: Annotated[bool, Field(validation_alias=_env("COACH_SCHEDULER"))] = True
    tick_seconds: Annotated[
        float, Field(validation_alias=_env("COACH_TICK_SECONDS"), gt=0, le=3600)
    ] = 60.0
    # Telegram allows about 30 messages a second; what the outbox leaves is for answers.
    telegram_send_rate: Annotated[
        float, Field(validation_alias=_env("COACH_TELEGRAM_SEND_RATE"), gt=0, le=30)
    ] = 25.0
    # Discord allows 50 requests a second per bot; what the outbox leaves is for answers.
    discord_send_rate: Annotated[
        float, Field(validation_alias=_env("COACH_DISCORD_SEND_RATE"), gt=0, le=50)
    ] = 40.0
    outbox_lease_seconds: Annotated[
        float, Field(validation_alias=_env("COACH_OUTBOX_LEASE_SECONDS"), ge=5, le=3600)
    ] = 120.0

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        return check_database_url(value)  # without SQLAlchemy: see core.storage.urls

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            return parse_timezone(value)
        except SettingsInputError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("default_nudge_time", mode="before")
    @classmethod
    def _time_of_day(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return parse_time(value)
            except SettingsInputError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("frozen_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone offset, like 2026-11-16T09:00:00+00:00")
        return value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            if not all(part.isdigit() for part in parts):
                raise ValueError("use shard numbers separated by commas, like 0,1")
            return tuple(int(part) for part in parts)
        return value

    @field_validator("discord_shard_ids")
    @classmethod
    def _within_count(
        cls, value: tuple[int, ...] | None, info: ValidationInfo
    ) -> tuple[int, ...] | None:
        if value is None or "discord_shard_count" not in info.data:
            return value  # unset, or the count is wrong and said so already
        count = info.data["discord_shard_count"]
        if count is None:
            raise ValueError("set DISCORD_SHARD_COUNT too: the shards of all workers together")
        if len(set(value)) != len(value):
            raise ValueError("a shard is named twice")
        outside = [shard for shard in value if shard >= count]
        if outside:
            raise ValueError(f"shard {outside[0]} is not below DISCORD_SHARD_COUNT ({count})")
        return value

    @field_validator("telegram_webhook_listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("use HOST:PORT, like 0.0.0.0:8080")
        return value

    @field_validator("ops_listen", "web_listen")
    @classmethod
    def _host_port_or_off(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() == "off":
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("use HOST:PORT, like 127.0.0.1:9464, or off")
        return value

    @field_validator("web_address")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError("use the address learners open, like https://coach.example.org")
        return value.strip().rstrip("/")

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("use 1-256 letters, digits, _ or -")
        return value

    @property
    def webhook_secret(self) -> str:
        """The configured secret, or one derived from the token, the same on every worker."""
        if self.telegram_webhook_secret is not None:
            return self.telegram_webhook_secret.get_secret_value()
        token = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        return hashlib.sha256(f"webhook:{token}".encode()).hexdigest()

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def web_links(self) -> str | None:
        """The address /web links start with; None when the web view is off."""
        if self.web_listen is None:
            return None
        return self.web_address or f"http://{self.web_listen}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class ConfigError(Exception):
    """A malformed setting, described in one line for the person starting the coach."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "setting"
            message = error["msg"].removeprefix("Value error, ").rstrip(".")
            problems.append(f"{name}: {message}")
        raise ConfigError("configuration error: " + "; ".join(problems)) from None
