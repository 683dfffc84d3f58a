"""The yardstick for `throughput.py`: a bare Starlette app that only parses the comment form and answers 201.

It runs under the same uvicorn settings as `python -m service serve` (one process, no access log, no
proxy headers, no server header), so the ratio of the two measures what the service itself costs.

    python bench/bare_app.py --port 8001
"""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.cli.main import UVICORN_OPTIONS
from service.http.edge import client_gone


async def submit(request: Request) -> Response:
    form = await request.form()
    fields = {name: value for name, value in form.multi_items() if isinstance(value, str)}
    return JSONResponse({"post_id": fields.get("comment_post_ID", ""), "status": "approved"}, status_code=201)


def create_bare_app() -> Starlette:
    return Starlette(
        routes=[Route("/comments", submit, methods=["POST"])],
        # As the service: wrk hangs up on an unfinished comment at the end of each bench run, and a
        # stack trace per connection would be work the service does not do.
        exception_handlers={ClientDisconnect: client_gone},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(create_bare_app(), host=args.host, port=args.port, **UVICORN_OPTIONS)


if __name__ == "__main__":
    main()
