"""The simulator's sender-name review: pending, then approved or rejected by delay or by the admin."""

import time

import pytest

from portal.sms.errors import ContentError


def test_sender_names_are_approved_after_the_configured_delay(simulator):
    simulator.configure(approve_after=0.2)
    client = simulator.client()
    client.create_sender_name("Shop")

    assert client.get_sender_name("Shop").status == "PENDING"
    time.sleep(0.25)
    assert client.get_sender_name("Shop").status == "ACTIVE"


def test_listed_names_are_rejected_after_the_delay(simulator):
    simulator.configure(approve_after=0, reject_names=["Bank"])
    client = simulator.client()
    client.create_sender_name("Bank")

    assert client.get_sender_name("Bank").status == "REJECTED"


def test_the_admin_endpoint_decides_a_pending_name(simulator):
    client = simulator.client()
    client.create_sender_name("Manual")

    assert simulator.decide_sender_name("Manual", approve=False)["status"] == "REJECTED"
    assert {n.name: n.status for n in client.list_sender_names()}["Manual"] == "REJECTED"


def test_a_name_cannot_be_registered_twice(simulator):
    client = simulator.client()
    client.create_sender_name("Twice")

    with pytest.raises(ContentError, match="already exists"):
        client.create_sender_name("Twice")
