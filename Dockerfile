# SigmaSight API (and flows worker) image: multi-stage, non-root, dependencies from uv.lock.
# Build: docker build -t sigmasight .
# API:   docker run -e SIGMASIGHT_DATABASE_URL=postgresql://... -e SIGMASIGHT_ENVIRONMENT=production \
#          -e SIGMASIGHT_JWT_SECRET=... -e PORT=8000 -p 8000:8000 sigmasight
# Flows: docker run ... -e PREFECT_API_URL=https://prefect.example/api sigmasight python -m flows.serve

FROM python:3.11-slim-bookworm AS build
COPY --from=ghcr.io/astral-sh/uv:0.13 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
# the locked runtime dependencies only (no dev group), cached apart from the source
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.11

FROM python:3.11-slim-bookworm AS runtime
RUN useradd --create-home --uid 10001 sigmasight
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY --chown=sigmasight:sigmasight api ./api
COPY --chown=sigmasight:sigmasight flows ./flows
COPY --chown=sigmasight:sigmasight ingest ./ingest
COPY --chown=sigmasight:sigmasight python_models ./python_models
COPY --chown=sigmasight:sigmasight dbt_project ./dbt_project
COPY --chown=sigmasight:sigmasight dbt_project.yml profiles.yml pyproject.toml ./
RUN mkdir -p /app/data && chown sigmasight:sigmasight /app/data
ENV PATH=/app/.venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 \
    SIGMASIGHT_ENVIRONMENT=production PREFECT_HOME=/app/data/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 PORT=8000
USER sigmasight
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
# exec form: the server is PID 1 and receives SIGTERM itself
CMD ["python", "-m", "api.serve"]
