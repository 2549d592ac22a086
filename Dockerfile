# syntax=docker/dockerfile:1
# SCR Workflow: one image for the web app (gunicorn) and the worker (`scr worker`).
#   docker build -t scr-workflow .    ·    docker compose up    (see compose.yaml and the README)

# 1. Front-end assets: GOV.UK Frontend and the bpmn-js viewer, from the npm registry.
FROM node:22-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY webui/frontend webui/frontend
RUN npm run --silent vendor

# 2. The Python application on a slim image, run as an unprivileged user.
FROM python:3.12-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SCR_ENV=production \
    SCR_LOG_FORMAT=json \
    PORT=8000
RUN groupadd --system --gid 10001 scr \
    && useradd --system --uid 10001 --gid scr --home-dir /app --shell /usr/sbin/nologin scr
WORKDIR /app
COPY pyproject.toml README.md LICENSE gunicorn.conf.py ./
COPY engine engine
COPY webui webui
COPY --from=assets /src/webui/static/vendor webui/static/vendor
COPY bpmn bpmn
RUN pip install . && rm -rf build *.egg-info
USER scr:scr
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# The worker runs the same image with: scr worker
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
