"""`GET /healthz` (the process answers) and `GET /readyz` (the store reads and writes, and a model is loaded)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.views.common import services

log = logging.getLogger(__name__)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    svc = services(request)
    checks: dict[str, str] = {}
    try:
        await svc.store.default_site()
        checks["store"] = "ok"
    except Exception as exc:  # readiness reports the failure instead of raising it
        log.warning("readiness: store check failed: %s", type(exc).__name__)
        checks["store"] = "unavailable"
    # Reading is not enough: a full disk or a read-only file still answers reads (service/store/errors.py).
    writes = await request.app.state.write_health.state()
    checks["store_writes"] = "ok" if writes.ok else f"unavailable ({writes.reason})"
    checks["model"] = svc.scorer.version if svc.scorer.classifier is not None else "missing"
    ready = checks["store"] == "ok" and writes.ok and checks["model"] != "missing"
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )
