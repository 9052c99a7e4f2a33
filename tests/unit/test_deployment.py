"""The Dockerfile and docker-compose.yml, checked by reading them: no Docker engine runs here.

What is checked is what breaks a deployment without Docker being needed to see it: a command
the `coach` CLI does not know, an environment variable no setting reads, a setting the workers
are never given, a value the settings reject once Compose has filled in the host's environment,
a port the scaled-out workers listen on but do not publish, the start order, and COPY lines
that name files a fresh clone does not have.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.cli import COMMANDS, build_parser
from bot.config import Settings
from tests.conftest import setting_names

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("migrate", "coach", "worker-1", "worker-2")
WORKERS = ("coach", "worker-1", "worker-2")  # the services that run `coach run`
SCALE_WORKERS = ("worker-1", "worker-2")
SCALE_PROFILE = "scale"
EXPECTED_COMMANDS = {"migrate": ["migrate"], **{name: ["run"] for name in WORKERS}}
# Written into the file rather than taken from the host: where the database is, and the
# container's own ports, which the scaled-out workers publish.
FIXED = frozenset(
    {"DATABASE_URL", "TELEGRAM_WEBHOOK_LISTEN", "COACH_OPS_LISTEN", "COACH_WEB_LISTEN"}
)
# Each scaled-out worker runs its own share of one bot's Discord shards.
SHARDING = frozenset({"DISCORD_SHARD_COUNT", "DISCORD_SHARD_IDS"})
GLOB_CHARACTERS = frozenset("*?[")


def _fixed(name: str) -> frozenset[str]:
    return FIXED | SHARDING if name in SCALE_WORKERS else FIXED


# ---- reading the files ----


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


def _services() -> dict[str, Any]:
    services = _compose().get("services")
    assert isinstance(services, dict), "docker-compose.yml has no services mapping"
    return services


def _environment(service: dict[str, Any]) -> dict[str, str | None]:
    """A service's environment as written; None marks a key with no value (pass-through)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        written: dict[str, str | None] = {}
        for item in env:
            name, equals, value = str(item).partition("=")
            written[name] = value if equals else None
        return written
    return {str(name): None if value is None else str(value) for name, value in env.items()}


_REFERENCE = re.compile(
    r"\$(?:(?P<dollar>\$)|\{(?P<braced>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|-)(?P<default>.*))?$")


def _interpolate(value: str, host: dict[str, str]) -> str:
    """Compose's `$VAR`, `${VAR}`, `${VAR-default}` and `${VAR:-default}`; nothing fancier."""

    def one(match: re.Match[str]) -> str:
        if match["dollar"]:
            return "$"
        if match["plain"]:
            return host.get(match["plain"], "")
        parsed = _BRACED.match(match["braced"])
        assert parsed is not None, f"unsupported interpolation {match[0]!r} in {value!r}"
        current = host.get(parsed["name"])
        if parsed["op"] == ":-":
            return current or parsed["default"]
        if parsed["op"] == "-":
            return parsed["default"] if current is None else current
        return current or ""

    return _REFERENCE.sub(one, value)


def _container_environment(service: dict[str, Any], host: dict[str, str]) -> dict[str, str]:
    """What the container sees: a key without a value is copied from the host, or left out."""
    resolved: dict[str, str] = {}
    for name, value in _environment(service).items():
        if value is None:
            if name in host:
                resolved[name] = host[name]
        else:
            resolved[name] = _interpolate(value, host)
    return resolved


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    assert command, "the service has no command"
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def _instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, arguments in _instructions():
        if keyword == "FROM":
            stages.append([])
        assert stages, f"{keyword} comes before the first FROM"
        stages[-1].append((keyword, arguments))
    assert stages, "the Dockerfile has no FROM"
    return stages


def _exec_form(arguments: str) -> list[str]:
    words = json.loads(arguments)
    assert isinstance(words, list), f"{arguments!r} is not the exec (JSON list) form"
    return [str(word) for word in words]


def _copy_sources(arguments: str) -> list[str] | None:
    """The sources of a COPY from the build context; None for a COPY --from another stage."""
    words = _exec_form(arguments) if arguments.startswith("[") else shlex.split(arguments)
    if any(word.startswith("--from=") for word in words):
        return None
    operands = [word for word in words if not word.startswith("--")]
    assert len(operands) >= 2, f"COPY {arguments!r} needs a source and a destination"
    return operands[:-1]


def _repository_files() -> list[str]:
    """Files a fresh clone would have: tracked or new, not ignored, present on disk."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        # No git: everything on disk outside hidden directories (.git, .venv, caches).
        candidates = (path.relative_to(ROOT) for path in ROOT.rglob("*"))
        listing = [
            str(path) for path in candidates if not any(part.startswith(".") for part in path.parts)
        ]
    return sorted(name for name in listing if name and (ROOT / name).is_file())


def _matches(source: str, files: list[str]) -> list[str]:
    """The repository files a COPY source brings in (a directory brings everything under it)."""
    pattern = source.removeprefix("./").rstrip("/")
    if pattern in ("", "."):
        return files
    matched = []
    for name in files:
        parts = name.split("/")
        prefixes = ["/".join(parts[: depth + 1]) for depth in range(len(parts))]
        if GLOB_CHARACTERS & set(pattern):
            if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
                matched.append(name)
        elif pattern in prefixes:
            matched.append(name)
    return matched


def _build_stage_sources() -> list[str]:
    sources: list[str] = []
    for stage in _stages():
        for keyword, arguments in stage:
            if keyword in ("COPY", "ADD"):
                sources.extend(_copy_sources(arguments) or [])
    return sources


# ---- docker-compose.yml ----


def test_compose_file_parses_and_names_the_three_services() -> None:
    compose = _compose()
    assert "version" not in compose, "the `version:` key is obsolete in Compose v2"
    assert {"db", "migrate", "coach"} <= set(compose["services"])


def test_only_the_coach_services_build_the_image_from_this_directory() -> None:
    built = {name for name, service in _services().items() if "build" in service}
    assert built == set(APP_SERVICES)
    for name in APP_SERVICES:
        build = _services()[name]["build"]
        context = build if isinstance(build, str) else build.get("context")
        assert context in (".", "./"), f"{name} builds from {context!r}, not the repository root"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_each_built_service_runs_a_real_coach_subcommand(name: str) -> None:
    command = _command(_services()[name])
    assert command == EXPECTED_COMMANDS[name]
    assert command[0] in COMMANDS
    try:
        args = build_parser().parse_args(command)
    except SystemExit as exit_:
        pytest.fail(f"`coach {' '.join(command)}` is rejected by the CLI (exit {exit_.code})")
    assert args.command == command[0]


def test_setting_names_are_collected_from_the_aliases() -> None:
    names = setting_names()
    assert {"DATABASE_URL", "TELEGRAM_BOT_TOKEN", "COACH_DEFAULT_TIMEZONE", "LOG_LEVEL"} <= names


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_environment_variable_is_a_real_setting(name: str) -> None:
    written = set(_environment(_services()[name]))
    assert "DATABASE_URL" in written
    unknown = written - setting_names()
    assert not unknown, f"{name} sets variables no setting reads: {sorted(unknown)}"


def _settings() -> set[str]:
    """Every variable bot/config.py reads, by its documented (upper-case) name."""
    return {name for name in setting_names() if name == name.upper()}


@pytest.mark.parametrize("name", WORKERS)
def test_every_setting_reaches_each_worker(name: str) -> None:
    written = _environment(_services()[name])
    missing = sorted(_settings() - set(written))
    assert not missing, f"{name} does not pass {missing}: the host cannot set them"
    for variable, value in written.items():
        if variable in _fixed(name):
            continue
        assert value is None or f"${{{variable}" in value, (
            f"{name} hard-codes {variable} as {value!r}; pass it through from the host"
        )


def test_the_host_environment_below_sets_every_setting() -> None:
    # So that the loading test below carries each setting from host to container.
    assert set(EVERYTHING_ON_THE_HOST) | FIXED == _settings()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_database_url_is_accepted_and_points_at_the_db_service(
    name: str, clean_settings_env: pytest.MonkeyPatch
) -> None:
    url = _environment(_services()[name])["DATABASE_URL"]
    assert url is not None
    clean_settings_env.setenv("DATABASE_URL", url)
    settings = Settings(_env_file=None)
    parsed = make_url(settings.database_url)
    assert parsed.drivername == "postgresql+asyncpg"
    assert (parsed.host, parsed.port) == ("db", 5432)
    db = _environment(_services()["db"])
    assert parsed.username == db["POSTGRES_USER"]
    assert parsed.password == db["POSTGRES_PASSWORD"]
    assert parsed.database == db["POSTGRES_DB"]


EVERYTHING_ON_THE_HOST = {
    "TELEGRAM_BOT_TOKEN": "123456:telegram-token",
    "TELEGRAM_API_BASE": "http://telegram-api.local:8081",
    "TELEGRAM_WEBHOOK_URL": "https://coach.example.org/telegram",
    "TELEGRAM_WEBHOOK_SECRET": "a-webhook-secret",
    "DISCORD_BOT_TOKEN": "discord-token",
    "DISCORD_API_BASE": "http://discord-api.local",
    "DISCORD_SHARD_COUNT": "2",
    "DISCORD_SHARD_IDS": "0,1",
    "COACH_DEFAULT_TIMEZONE": "Europe/Berlin",
    "COACH_DEFAULT_NUDGE_TIME": "07:30",
    "COACH_FROZEN_TIME": "2026-11-16T09:00:00+00:00",
    "LOG_LEVEL": "info",
    "COACH_LOG_FORMAT": "json",
    "COACH_WEB_ADDRESS": "https://coach.example.org",
    "COACH_SCHEDULER": "false",
    "COACH_TICK_SECONDS": "30",
    "COACH_TELEGRAM_SEND_RATE": "20",
    "COACH_DISCORD_SEND_RATE": "30",
    "COACH_OUTBOX_LEASE_SECONDS": "300",
}
HOST_ENVIRONMENTS = {
    "nothing set on the host": {},
    "everything set on the host": EVERYTHING_ON_THE_HOST,
}


@pytest.mark.parametrize("host", HOST_ENVIRONMENTS.values(), ids=HOST_ENVIRONMENTS.keys())
@pytest.mark.parametrize("name", APP_SERVICES)
def test_settings_load_from_the_environment_compose_gives_the_container(
    name: str, host: dict[str, str], clean_settings_env: pytest.MonkeyPatch
) -> None:
    for variable, value in _container_environment(_services()[name], host).items():
        clean_settings_env.setenv(variable, value)
    settings = Settings(_env_file=None)
    if name not in WORKERS:
        return
    if host:
        container = _container_environment(_services()[name], host)
        for variable in host.keys() - _fixed(name):
            assert container.get(variable) == host[variable], f"{variable} does not reach {name}"
        assert settings.telegram_bot_token is not None
        assert settings.telegram_bot_token.get_secret_value() == host["TELEGRAM_BOT_TOKEN"]
        assert settings.discord_bot_token is not None
        assert str(settings.telegram_api_base).startswith(host["TELEGRAM_API_BASE"])
        assert settings.default_timezone == host["COACH_DEFAULT_TIMEZONE"]
        assert settings.log_level == "INFO"
    else:
        # An empty token would read as "a token is set"; unset ones must stay None.
        assert settings.telegram_bot_token is None
        assert settings.discord_bot_token is None
        assert settings.telegram_api_base is None
        assert settings.default_timezone == "UTC"


def test_migrate_runs_after_the_database_is_healthy_and_before_the_coach() -> None:
    services = _services()
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    for name in WORKERS:
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["restart"] == "unless-stopped"


def test_the_scaled_out_workers_start_only_when_asked_for() -> None:
    services = _services()
    for name in SCALE_WORKERS:
        assert services[name].get("profiles") == [SCALE_PROFILE]
    # `docker compose up -d` keeps starting the one coach.
    assert not any(services[name].get("profiles") for name in ("db", "migrate", "coach"))


def _published(service: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port, from the short `HOST:CONTAINER` syntax."""
    published: dict[int, int] = {}
    for entry in service.get("ports") or []:
        host, _, container = str(entry).rpartition(":")
        assert host.isdigit() and container.isdigit(), f"write {entry!r} as HOST:CONTAINER"
        published[int(container)] = int(host)
    return published


def _port(listen: str | None) -> int:
    assert listen is not None
    host, _, port = listen.rpartition(":")
    assert host == "0.0.0.0", f"{listen} cannot be reached from outside the container"
    return int(port)


@pytest.mark.parametrize("host", HOST_ENVIRONMENTS.values(), ids=HOST_ENVIRONMENTS.keys())
def test_each_scaled_out_worker_publishes_its_webhook_and_ops_ports(
    host: dict[str, str], clean_settings_env: pytest.MonkeyPatch
) -> None:
    host_ports: list[int] = []
    for name in SCALE_WORKERS:
        service = _services()[name]
        for variable, value in _container_environment(service, host).items():
            clean_settings_env.setenv(variable, value)
        settings = Settings(_env_file=None)
        published = _published(service)
        for listen in (settings.telegram_webhook_listen, settings.ops_listen):
            assert _port(listen) in published, f"{name} does not publish {listen}"
        host_ports += published.values()
    assert len(host_ports) == len(set(host_ports)), f"two workers share a host port: {host_ports}"


@pytest.mark.parametrize("host", HOST_ENVIRONMENTS.values(), ids=HOST_ENVIRONMENTS.keys())
def test_the_scaled_out_workers_run_each_discord_shard_once(
    host: dict[str, str], clean_settings_env: pytest.MonkeyPatch
) -> None:
    counts: set[int | None] = set()
    shards: list[int] = []
    for name in SCALE_WORKERS:
        for variable, value in _container_environment(_services()[name], host).items():
            clean_settings_env.setenv(variable, value)
        settings = Settings(_env_file=None)
        counts.add(settings.discord_shard_count)
        shards += settings.discord_shard_ids or ()
    [count] = counts
    assert count is not None
    assert sorted(shards) == list(range(count)), "a shard is run twice, or by no worker"


def test_the_database_service_is_checked_and_keeps_its_data() -> None:
    compose = _compose()
    db = compose["services"]["db"]
    assert db["image"] == "postgres:16-alpine"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume_names = {str(volume).split(":", 1)[0] for volume in db["volumes"]}
    declared = set(compose.get("volumes") or {})
    assert volume_names & declared, "the database's data does not live in a named volume"


def test_the_coach_keeps_a_terminal_for_the_console_chat() -> None:
    coach = _services()["coach"]
    assert coach["stdin_open"] is True
    assert coach["tty"] is True


# ---- Dockerfile ----


def test_every_stage_starts_from_python_3_11_slim() -> None:
    for stage in _stages():
        image = stage[0][1].split()[0]
        assert image.startswith("python:3.11-slim"), image


def test_the_image_runs_coach_run_as_an_unprivileged_user() -> None:
    final = _stages()[-1]
    entrypoints = [_exec_form(arguments) for keyword, arguments in final if keyword == "ENTRYPOINT"]
    commands = [_exec_form(arguments) for keyword, arguments in final if keyword == "CMD"]
    assert entrypoints, "the final stage has no ENTRYPOINT"
    assert entrypoints[-1] == ["coach"]
    assert commands, "the final stage has no CMD"
    assert commands[-1] == ["run"]
    assert commands[-1][0] in COMMANDS
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert users, "the final stage runs as root"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_the_final_stage_sets_the_python_environment() -> None:
    env: dict[str, str] = {}
    for keyword, arguments in _stages()[-1]:
        if keyword == "ENV":
            for word in shlex.split(arguments):
                name, _, value = word.partition("=")
                env[name] = value
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert env.get("PYTHONUNBUFFERED") == "1"


def test_the_project_is_installed_with_pip_without_dev_extras() -> None:
    runs = [arguments for keyword, arguments in _instructions() if keyword == "RUN"]
    assert any(re.search(r"\bpip install (?:--\S+ )*\.(?:\s|$)", run) for run in runs), runs
    assert not any("[dev" in run for run in runs)


def test_every_path_the_dockerfile_copies_exists_in_the_repository() -> None:
    files = _repository_files()
    assert "pyproject.toml" in files
    copies = [
        sources
        for keyword, arguments in _instructions()
        if keyword in ("COPY", "ADD") and (sources := _copy_sources(arguments)) is not None
    ]
    assert copies, "the Dockerfile copies nothing from the build context"
    for sources in copies:
        found = []
        for source in sources:
            matched = _matches(source, files)
            if not GLOB_CHARACTERS & set(source):
                assert matched, f"COPY source {source!r} is not in the repository"
            found.extend(matched)
        assert found, f"COPY {sources} matches nothing in the repository"


def test_every_package_the_project_ships_is_copied_before_pip_install() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    includes = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {
        name.split("/")[0]
        for name in _repository_files()
        if "/" in name
        and name.endswith(".py")
        and any(fnmatch.fnmatchcase(name.split("/")[0], pattern) for pattern in includes)
    }
    assert {"bot", "core", "adapters", "migrations"} <= packages
    copied = {source.removeprefix("./").rstrip("/") for source in _build_stage_sources()}
    missing = sorted(packages - copied)
    assert not missing, f"the image would be built without {missing}"
    assert "pyproject.toml" in copied
