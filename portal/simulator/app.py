"""The simulator as a WSGI app: its state, its callback thread and its two blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask

from portal.simulator import admin, api
from portal.simulator.callbacks import CallbackDispatcher
from portal.simulator.config import SimulatorConfig
from portal.simulator.state import SimulatorState


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
    return app
