"""``revrec serve``: prepare the database, bootstrap, and run uvicorn (with TLS when configured)."""

from __future__ import annotations

import argparse
import logging
import socket
import threading

import uvicorn
from sqlalchemy import Engine

from revrec import bootstrap, logging_setup
from revrec.config import ConfigError, Settings
from revrec.http.app import create_app
from revrec.jobs import worker

log = logging.getLogger("revrec")


def check_port(host: str, port: int) -> None:
    """Refuse to start (one clear line, exit 1) when something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is fine
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc} (another server running? stop it, "
                "or choose another port: revrec serve --port N, make run PORT=N)"
            ) from None


def serve(settings: Settings, engine: Engine, args: argparse.Namespace) -> int:
    overrides = {
        key: value
        for key, value in (
            ("host", args.host),
            ("port", args.port),
            ("ssl_certfile", args.ssl_certfile),
            ("ssl_keyfile", args.ssl_keyfile),
        )
        if value is not None
    }
    settings = settings.model_copy(update=overrides)
    if (settings.ssl_certfile is None) != (settings.ssl_keyfile is None):
        raise ConfigError("--ssl-certfile and --ssl-keyfile must be given together")
    check_port(settings.host, settings.port)
    if getattr(args, "check_port", False):
        return 0
    logging_setup.configure(settings.log_level)
    bootstrap.prepare_database(engine)
    bootstrap.bootstrap_client(engine, settings)
    print(bootstrap.how_to_authenticate(settings), flush=True)
    app = create_app(settings, engine=engine)
    stop = threading.Event()
    if settings.run_worker:
        threading.Thread(
            target=worker.run_forever,
            args=(engine, settings.worker_poll_ms, stop, settings.job_lease_seconds),
            name="revrec-worker",
            daemon=True,
        ).start()
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            ssl_certfile=str(settings.ssl_certfile) if settings.ssl_certfile else None,
            ssl_keyfile=str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
        )
    finally:
        stop.set()
    return 0
