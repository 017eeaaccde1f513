"""Serving the ASGI app with uvicorn, shared by `kefu serve` and `kefu demo`.

In embedded mode the server starts `kefu worker` as a child process, so webhooks, email and SLA
checks run and schedule solves finish without another command; the child stops with the server
(and, should the server be killed outright, notices its parent is gone and exits). A child process
rather than a thread keeps a long solver run from taking the server's interpreter lock.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import uvicorn

from kefu.config import env

log = logging.getLogger("kefu.worker")


def start_worker() -> subprocess.Popen[bytes]:
    """`kefu worker` as a child of this process, with this process's settings and environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "kefu.cli.main", "worker", "--parent-pid", str(os.getpid()), "-v", "0"]
    )


def stop_worker(child: subprocess.Popen[bytes], *, timeout_s: float = 10.0) -> None:
    """SIGTERM, then the worker finishes its tick; killed if it takes longer than `timeout_s`."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        log.warning("worker %d did not stop in %g s; killing it", child.pid, timeout_s)
        child.kill()
        child.wait()


def public_url(host: str, port: int) -> str:
    """The address a browser on this machine uses for a server bound to `host:port`."""
    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    if ":" in shown:  # an IPv6 literal
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(*, host: str, port: int, workers: int = 1, reload: bool = False, worker: bool = True) -> None:
    child = start_worker() if worker else None
    try:
        uvicorn.run(
            "kefu.config.asgi:application",
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            lifespan="off",
            log_level="info",
            access_log=env.env_bool("KEFU_ACCESS_LOG", True),
            proxy_headers=True,
        )
    finally:
        if child is not None:
            stop_worker(child)
