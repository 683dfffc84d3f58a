# Comment moderation service: slim Python 3.11, non-root, the shipped model inside.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    COMMENTS_HOST=0.0.0.0 \
    COMMENTS_PORT=8000 \
    COMMENTS_DATA_DIR=/data \
    COMMENTS_LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY model ./model
COPY training ./training
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin comments \
    && mkdir -p /data && chown comments /data

USER comments
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
ENTRYPOINT ["python", "-m", "service", "serve"]
