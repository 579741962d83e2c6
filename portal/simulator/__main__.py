"""`python -m portal.simulator --port PORT --token TOKEN`: serve the simulator until interrupted."""

from __future__ import annotations

import logging

from werkzeug.serving import make_server

from portal.simulator.app import create_app
from portal.simulator.config import build_parser, config_from_args


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve, threaded, until Ctrl-C."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(config_from_args(args))
    server = make_server(args.host, args.port, app, threaded=True)
    logging.getLogger(__name__).info("SMSAPI simulator on http://%s:%d/", args.host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["simulator"].close()


if __name__ == "__main__":
    main()
