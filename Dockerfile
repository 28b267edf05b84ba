# Lookout: slim multi-stage image. Build: `docker build -t lookout .`; run: `docker run --env-file lookout.env
# -p 3000:3000 -v lookout-data:/app/data lookout` (see README.md for the variables).

# ---- build: install the locked runtime dependencies into a virtualenv
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY requirements.lock pyproject.toml README.md ./
COPY bot ./bot
COPY tools ./tools
COPY storage ./storage
# The lock pins every version; as a constraint it keeps the runtime set exact and leaves the dev tools out.
RUN /opt/venv/bin/pip install --constraint requirements.lock .

# ---- runtime: the virtualenv only, a non-root user, data on a volume
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000 \
    LOOKOUT_DATA_DIR=/app/data \
    DATABASE_URL=sqlite:////app/data/lookout.db
RUN groupadd --system --gid 10001 lookout \
    && useradd --system --uid 10001 --gid lookout --home-dir /app --shell /usr/sbin/nologin lookout \
    && mkdir -p /app/data \
    && chown -R lookout:lookout /app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY manifest.yml ./
USER lookout
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
ENTRYPOINT ["lookout"]
CMD ["serve"]
