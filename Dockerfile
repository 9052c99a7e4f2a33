# Roadmap Coach: `docker build -t roadmap-coach .`, then `docker run -it roadmap-coach`
# (the console chat on an SQLite file) or `docker compose up` (PostgreSQL).

# ---- build: install the project and its dependencies into a virtualenv ----
FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY core/ core/
COPY adapters/ adapters/
COPY scheduler/ scheduler/
COPY migrations/ migrations/
# `coach migrate` finds the revisions inside the installed `migrations` package, so the
# runtime image needs neither this tree nor alembic.ini.
RUN pip install .

# ---- runtime: the virtualenv only, run by an unprivileged user ----
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH"

RUN groupadd --system --gid 10001 coach \
    && useradd --system --uid 10001 --gid coach --home-dir /app --no-create-home coach \
    && mkdir /app \
    && chown coach:coach /app

COPY --from=build /opt/venv /opt/venv

# Without DATABASE_URL the coach keeps coach.db in the working directory, so it must be writable.
WORKDIR /app
USER coach

ENTRYPOINT ["coach"]
CMD ["run"]
