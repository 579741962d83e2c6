"""The campaign fixtures (lists, a draft, an account connected to the simulator) for browser tests."""

from tests.campaigns.conftest import make_campaign, make_list, sim_account  # noqa: F401
