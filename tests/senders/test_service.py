"""Registering sender names with SMSAPI, following their approval, the default and deletion."""

import pytest
from sqlalchemy import select

from portal import jobs
from portal.audit import recent_events
from portal.extensions import db
from portal.models import SenderName, SenderNameEvent, User
from portal.schedule import PERIODIC_JOBS
from portal.senders.service import (
    SenderNameError,
    delete_sender_name,
    describe_changes,
    make_default,
    names_of,
    notices_for,
    register_sender_name,
    sync_sender_names,
)
from tests.conftest import PASSWORD, in_account


def _admin(account) -> User:
    return db.session.get(User, account.admin_id)


def _history(sender: SenderName) -> list[tuple]:
    return [(e.from_status, e.to_status, e.source) for e in sender.events]


def _remote(simulator) -> dict[str, dict]:
    """The test account's sender names at the simulator (a new SMSAPI account already has "Test")."""
    return {item["sender"]: item for item in simulator.state()["accounts"][0]["sender_names"]}


def _register(account, name="ARETONET") -> SenderName:
    """Register as the view does: the service flushes, the caller commits."""
    sender = register_sender_name(account.account_id, _admin(account), name)
    db.session.commit()
    return sender


def test_registered_name_is_stored_pending_with_history(app, connected, simulator):
    with in_account(app, connected.account_id):
        sender = _register(connected)
        assert sender.status == "pending"
        assert _history(sender) == [(None, "pending", "registration")]
        assert _remote(simulator)["ARETONET"]["status"] == "PENDING"
        assert recent_events(connected.account_id, prefix="sender.")[0].action == "sender.registered"


def test_invalid_or_duplicate_name_is_refused_before_smsapi(app, connected, simulator):
    with in_account(app, connected.account_id):
        with pytest.raises(SenderNameError, match="Leave out spaces"):
            _register(connected, "Areto Net")
        _register(connected)
        with pytest.raises(SenderNameError, match="already one of your sender names"):
            _register(connected)
    assert list(_remote(simulator)) == ["Test", "ARETONET"]


def test_name_refused_by_smsapi_is_shown_and_not_stored(app, connected, simulator):
    simulator.configure(sender_name_pattern=r"^[A-Z]{1,11}$")
    with in_account(app, connected.account_id):
        with pytest.raises(SenderNameError, match="SMSAPI refused Areto-1: Sender name is invalid"):
            _register(connected, "Areto-1")
        assert "Areto-1" not in [s.name for s in names_of(connected.account_id)]


def test_unconnected_account_cannot_register(app, account):
    with in_account(app, account.account_id), pytest.raises(SenderNameError, match="Connect your SMSAPI"):
        _register(account)


def test_sync_moves_pending_to_active_and_rejected_with_history(app, connected, simulator):
    with in_account(app, connected.account_id):
        _register(connected, "GOOD")
        _register(connected, "BAD")
        simulator.decide_sender_name("GOOD", approve=True)
        simulator.decide_sender_name("BAD", approve=False)
        result = sync_sender_names(connected.account_id)
        assert sorted(result.changes) == [
            ("BAD", "pending", "rejected"), ("GOOD", "pending", "active"), ("Test", None, "active"),
        ]
        good, bad = (db.session.scalar(select(SenderName).filter_by(name=n)) for n in ("GOOD", "BAD"))
        assert _history(good)[-1] == ("pending", "active", "sync")
        assert _history(bad)[-1] == ("pending", "rejected", "sync")
        assert good.last_checked_at is not None


def test_sync_imports_names_created_at_smsapi(app, connected, simulator):
    with in_account(app, connected.account_id), simulator.client() as client:
        client.create_sender_name("FROMPANEL")
        sync_sender_names(connected.account_id)
        imported = db.session.scalar(select(SenderName).filter_by(name="FROMPANEL"))
        assert imported.status == "pending"
        assert _history(imported) == [(None, "pending", "sync")]


def test_name_that_vanished_at_smsapi_is_marked_deleted(app, connected, simulator):
    with in_account(app, connected.account_id):
        sender = _register(connected)
        with simulator.client() as client:
            client.delete_sender_name("ARETONET")
        sync_sender_names(connected.account_id)
        assert sender.status == "deleted"
        assert _history(sender)[-1] == ("pending", "deleted", "sync")


def test_unreachable_smsapi_changes_nothing_and_the_next_sync_catches_up(app, connected, make_account,
                                                                          simulator):
    with in_account(app, connected.account_id):
        sender = _register(connected)
        simulator.decide_sender_name("ARETONET")
        simulator.faults(unreachable=["api.smsapi.pl", "api2.smsapi.pl"])
        outcome = jobs.sync_sender_names()
        assert "could not be reached" in outcome[connected.account_id]
        db.session.expire_all()
        assert sender.status == "pending" and len(sender.events) == 1
        simulator.faults()
        assert jobs.sync_sender_names() == {connected.account_id: "ok, 2 changed"}  # and "Test" imported
        db.session.expire_all()
        assert sender.status == "active"


def test_job_syncs_only_connected_accounts_with_pending_names(app, connected, make_account, simulator):
    other = make_account("Other")
    with in_account(app, connected.account_id):
        assert jobs.sync_sender_names() == {}
        _register(connected)
        db.session.add(SenderName(account_id=other.account_id, name="NOTOKEN"))
        db.session.commit()
        assert list(jobs.sync_sender_names()) == [connected.account_id]


def test_sender_sync_is_a_periodic_job_on_its_setting(app):
    job = next(job for job in PERIODIC_JOBS if job.func is jobs.sync_sender_names)
    assert job.interval({"SENDER_SYNC_INTERVAL": 600}) == 600


def test_only_an_active_name_becomes_default_at_smsapi_too(app, connected, simulator):
    with in_account(app, connected.account_id):
        sender = _register(connected)
        with pytest.raises(SenderNameError, match="only an active name"):
            make_default(sender, _admin(connected))
        simulator.decide_sender_name("ARETONET")
        sync_sender_names(connected.account_id)
        make_default(sender, _admin(connected))
        assert sender.is_default
        assert _remote(simulator)["ARETONET"]["is_default"] is True
        assert recent_events(connected.account_id, prefix="sender.default")[0].user_id == connected.admin_id


def test_one_default_per_account(app, connected, simulator):
    with in_account(app, connected.account_id):
        first, second = _register(connected, "FIRST"), _register(connected, "SECOND")
        for name in ("FIRST", "SECOND"):
            simulator.decide_sender_name(name)
        sync_sender_names(connected.account_id)
        make_default(first, _admin(connected))
        make_default(second, _admin(connected))
        assert [s.name for s in names_of(connected.account_id) if s.is_default] == ["SECOND"]


def test_default_cannot_be_deleted_until_another_is_chosen(app, connected, simulator):
    with in_account(app, connected.account_id):
        sender = _register(connected)
        simulator.decide_sender_name("ARETONET")
        sync_sender_names(connected.account_id)
        make_default(sender, _admin(connected))
        with pytest.raises(SenderNameError, match="choose another default first"):
            delete_sender_name(sender, _admin(connected))


def test_delete_removes_it_at_smsapi_and_it_may_be_registered_again(app, connected, simulator):
    with in_account(app, connected.account_id):
        sender = _register(connected)
        delete_sender_name(sender, _admin(connected))
        assert sender.status == "deleted"
        assert "ARETONET" not in _remote(simulator)
        again = _register(connected)
        assert again.id == sender.id and again.status == "pending"
        assert _history(again)[-2:] == [
            ("pending", "deleted", "person"), ("deleted", "pending", "registration"),
        ]


def test_admins_get_a_notice_for_approvals_until_dismissed(app, connected, simulator):
    from portal.senders.service import dismiss_notices

    with in_account(app, connected.account_id):
        _register(connected)
        admin = _admin(connected)
        assert notices_for(admin) == []
        simulator.decide_sender_name("ARETONET")
        sync_sender_names(connected.account_id)
        assert [e.sender_name.name for e in notices_for(admin)] == ["ARETONET"]
        assert notices_for(db.session.get(User, connected.member_id)) == []
        dismiss_notices(admin)
        assert notices_for(admin) == []
        assert db.session.scalar(select(SenderNameEvent).filter_by(to_status="active")) is not None


def test_names_differing_only_in_capitals_count_as_one(app, connected, simulator):
    with in_account(app, connected.account_id):
        _register(connected)
        with pytest.raises(SenderNameError, match="differ only in capital letters count as the same name"):
            _register(connected, "aretonet")
        upper = db.session.scalar(select(SenderName).filter_by(name="ARETONET"))
        delete_sender_name(upper, _admin(connected))
        db.session.commit()
        assert _register(connected, "aretonet").status == "pending"
    assert "aretonet" in _remote(simulator)


def test_a_check_says_what_it_found_in_words(app, connected, simulator):
    with in_account(app, connected.account_id):
        first = describe_changes(sync_sender_names(connected.account_id))
        db.session.commit()
        assert first == ("Checked just now: Test was found in your SMSAPI account and imported "
                         "(status: active).")
        again = describe_changes(sync_sender_names(connected.account_id))
        assert again == "Checked just now, nothing changed."


def test_two_concurrent_make_default_requests_agree_with_smsapi(app, connected, simulator):
    import threading

    from portal.tenancy import account_scope

    with in_account(app, connected.account_id):
        for name in ("FIRST", "SECOND"):
            _register(connected, name)
            simulator.decide_sender_name(name, approve=True)
        sync_sender_names(connected.account_id)
        db.session.commit()
        ids = {s.name: s.id for s in names_of(connected.account_id)}
    start, failures = threading.Barrier(2), []

    def choose(name):
        with app.app_context(), account_scope(connected.account_id):
            sender = db.session.get(SenderName, ids[name])
            start.wait()
            try:
                make_default(sender, _admin(connected))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - any failure is the bug
                failures.append(error)

    threads = [threading.Thread(target=choose, args=(name,)) for name in ("FIRST", "SECOND")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with in_account(app, connected.account_id):
        defaults = [s.name for s in names_of(connected.account_id) if s.is_default]
    remote_default = [name for name, item in _remote(simulator).items() if item["is_default"]]
    assert len(defaults) == 1
    assert defaults == remote_default


def test_names_made_in_smsapis_panel_are_stored_faithfully_and_one_odd_row_fails_nothing(
    app, connected, simulator, caplog
):
    simulator.configure(sender_name_pattern=r"^.{1,200}$")
    panel_name = "Areto Net Panel Name 2026"  # 25 characters with spaces: SMSAPI's panel took it
    too_long = "X" * 100
    panel = simulator.client()
    for name in (panel_name, too_long, "PLAIN"):
        panel.create_sender_name(name)
        simulator.decide_sender_name(name, approve=True)
    with in_account(app, connected.account_id):
        sync_sender_names(connected.account_id)
        db.session.commit()
        stored = {s.name: s for s in names_of(connected.account_id)}
        assert stored[panel_name].status == "active"
        assert stored[panel_name].outside_naming_rule
        assert not stored["PLAIN"].outside_naming_rule
        assert too_long not in stored
    assert "not imported" in caplog.text
    page_client = app.test_client()
    page_client.post("/login", data={"email": connected.admin_email, "password": PASSWORD})
    assert "Made in SMSAPI's panel</span>" in page_client.get("/senders/").data.decode()
