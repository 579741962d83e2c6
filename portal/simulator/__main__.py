"""`python -m portal.simulator --port PORT --token TOKEN`: serve the simulator until interrupted.

The simulator keeps its state in memory, so it is one process: gunicorn with one worker and a pool
of threads (the default, measured by bench/simulator.py to keep up with batched sends), or
werkzeug's threaded server (`--server werkzeug`) where gunicorn cannot run.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from gunicorn.app.base import BaseApplication
from werkzeug.serving import make_server

from portal.simulator.app import create_app
from portal.simulator.config import build_parser, config_from_args

log = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):
    """gunicorn in-process: one worker (the state is in its memory), `threads` threads."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args
        super().__init__()

    def load_config(self) -> None:
        args = self._args
        for name, value in {
            "bind": f"{args.host}:{args.port}", "workers": 1, "worker_class": "gthread",
            "threads": args.threads, "keepalive": 30, "loglevel": "warning", "timeout": 0,
            "worker_exit": lambda _server, worker: worker.wsgi.extensions["simulator"].close(),
        }.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        log.info("SMSAPI simulator on http://%s:%d/ (gunicorn, %d threads)",
                 self._args.host, self._args.port, self._args.threads)
        return create_app(config_from_args(self._args))


def _serve_werkzeug(args: argparse.Namespace) -> None:
    app = create_app(config_from_args(args))
    server = make_server(args.host, args.port, app, threaded=True)
    log.info("SMSAPI simulator on http://%s:%d/ (werkzeug)", args.host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["simulator"].close()


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until Ctrl-C or SIGTERM."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.server == "werkzeug":
        _serve_werkzeug(args)
    else:
        _Gunicorn(args).run()


if __name__ == "__main__":
    main()
