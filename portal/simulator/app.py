"""The simulator as a WSGI app: its state, its callback thread and its two blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template_string

from portal.simulator import admin, api
from portal.simulator.callbacks import CallbackDispatcher
from portal.simulator.config import SimulatorConfig
from portal.simulator.state import SimulatorState

# What someone who opens the simulator in a browser needs: which token to paste into the portal.
_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SMSAPI simulator</title></head>
<body>
<h1>SMSAPI simulator</h1>
<p>A stand-in for SMSAPI's HTTP API. Connect the portal (Settings &rarr; SMS) with:</p>
<dl>
  <dt>Service</dt><dd>{{ service }}</dd>
  <dt>API token</dt><dd><code>{{ token }}</code></dd>
  <dt>Account</dt><dd>{{ username }}</dd>
</dl>
<p>Inspection: <a href="_simulator/summary">summary</a>, <a href="_simulator/state">state</a>,
<a href="_simulator/callbacks">callbacks</a>, <a href="_simulator/config">settings</a>.</p>
</body></html>
"""
SERVICE_NAMES = {"pl": "SMSAPI.pl", "com": "SMSAPI.com", "io": "smsapi.io"}


class Simulator:
    """The state and the callback thread one app serves; `close()` stops the thread."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.state = SimulatorState(config)
        self.callbacks = CallbackDispatcher(lambda: self.state.config)

    def configure(self, config: SimulatorConfig) -> None:
        """Use new settings from now on, keeping accounts and messages."""
        with self.state.lock:
            self.state.config = config

    def reset(self, changes: dict[str, Any] | None = None) -> None:
        """Back to the starting state, with `changes` applied to the starting settings."""
        config = self.state.initial_config.updated(changes or {})
        self.callbacks.clear()
        self.state.reset(config)

    def close(self) -> None:
        """Stop sending callbacks."""
        self.callbacks.stop()


def create_app(config: SimulatorConfig) -> Flask:
    """A Flask app speaking SMSAPI's protocol for the accounts and behaviour `config` describes."""
    app = Flask(__name__)
    app.extensions["simulator"] = Simulator(config)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)

    @app.get("/")
    def index() -> str:
        """The page a person opening the simulator sees: the token to connect the portal with."""
        config = app.extensions["simulator"].state.initial_config
        return render_template_string(_INDEX, token=config.token, username=config.username,
                                      service=SERVICE_NAMES[config.service])

    return app
