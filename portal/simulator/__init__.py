"""A stand-in for SMSAPI over HTTP, for tests and local runs: `python -m portal.simulator --help`."""

from portal.simulator.app import Simulator, create_app
from portal.simulator.config import SimulatorConfig

__all__ = ["Simulator", "SimulatorConfig", "create_app"]
