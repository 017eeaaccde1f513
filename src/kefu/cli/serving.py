"""Serving the ASGI app with uvicorn, shared by `kefu serve` and `kefu demo`."""

from __future__ import annotations

import uvicorn


def serve(*, host: str, port: int, workers: int = 1, reload: bool = False) -> None:
    uvicorn.run(
        "kefu.config.asgi:application",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        lifespan="off",
        log_level="info",
        proxy_headers=True,
    )
