"""Settings tests talk to the simulator over HTTP, with short timeouts."""

import pytest


@pytest.fixture
def smsapi(app, simulator):
    """The app pointed at the simulator."""
    app.config.update(SMSAPI_API_URL=simulator.url, SMSAPI_CONNECT_TIMEOUT=1.0, SMSAPI_READ_TIMEOUT=2.0)
    return simulator
