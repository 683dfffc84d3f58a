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
    && groupadd --system --gid 10001 comments \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin comments \
    && mkdir -p /data && chown 10001:10001 /data && chmod 0700 /data

# Numeric, so orchestrators can verify "not root" (Kubernetes' runAsNonRoot needs a number).
USER 10001:10001
# The database, its write-ahead log and secret.key (keep it: without it no address can be decrypted).
VOLUME ["/data"]
EXPOSE 8000
# One line, so a grep for the health check's URL finds it on the HEALTHCHECK line.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 CMD python -c "import os,sys,urllib.request; port = os.environ.get('COMMENTS_PORT', '8000'); sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status != 200)"
ENTRYPOINT ["python", "-m", "service", "serve"]
