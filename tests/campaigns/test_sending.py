"""The send job's work in-process against the simulator over HTTP: claims, calls, outcomes, errors."""

import time
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from portal.campaigns import dispatch
from portal.campaigns.launch import launch_campaign, resume_campaign, send_test
from portal.campaigns.progress import campaign_progress
from portal.campaigns.sending import send_chunk, send_chunks, send_test_sends
from portal.campaigns.smsapi_calls import Outcome
from portal.extensions import db
from portal.models import Campaign, Contact, Message, OptOut, User, utcnow
from portal.tenancy import account_scope
from tests.messages import sent_campaign
from tests.plans import analyze, plan_with_nested_loops, rows_read, skip_unless_postgresql
from tests.plugins.pipeline import make_ready_campaign, phone, statuses


def sent(simulator):
    """Messages the simulator accepted for real (the preflight's test=1 samples carry no idx)."""
    return [m for m in simulator.messages() if m["idx"]]


def _launch(app, setup, **options):
    campaign_id = make_ready_campaign(setup, **options)
    with account_scope(setup.account_id):
        launch_campaign(campaign_id, db.session.get(User, setup.admin_id))
        db.session.commit()
    return campaign_id


def _send_all(setup, campaign_id):
    with account_scope(setup.account_id):
        while send_chunk(setup.account_id, campaign_id, test_sends=False):
            pass
        dispatch.finish_if_done(campaign_id)
        db.session.commit()


def test_a_campaign_goes_out_in_batches_with_idx_params_sender_and_callback(app, connected, simulator):
    app.config.update(SEND_BATCH_SIZE=2, SEND_CHUNK_SIZE=3)
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = _launch(app, connected, recipients=5)
        _send_all(connected, campaign_id)
        assert statuses(campaign_id) == {"submitted": 5}
        rows = db.session.scalars(select(Message).where(Message.campaign_id == campaign_id)).all()
        assert all(m.smsapi_id and m.points and m.smsapi_parts == 1 and m.test_mode is False for m in rows)
        assert {m.text for m in rows} == {f"Hello Name{n}!" for n in range(5)}
        assert db.session.get(Campaign, campaign_id).status == "finished"
    accepted = sent(simulator)
    assert len(accepted) == 5
    assert len({m["idx"] for m in accepted}) == 5


@pytest.mark.parametrize("mode", ["reject_call", "skip_duplicates"])
def test_a_resent_message_is_answered_53_and_counted_once(app, connected, simulator, mode):
    simulator.configure(duplicate_idx_mode=mode)
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = _launch(app, connected, recipients=3)
        _send_all(connected, campaign_id)
        # As if a worker died after SMSAPI accepted them: back to queued, sent again with the same idx.
        db.session.execute(update(Message).values(status="queued", status_rank=0, smsapi_id=None))
        db.session.execute(update(Campaign).values(status="sending"))
        db.session.commit()
        _send_all(connected, campaign_id)
        assert statuses(campaign_id) == {"submitted": 3}
    assert len(sent(simulator)) == 3


def test_invalid_numbers_fail_with_the_reason_and_the_rest_go(app, connected, simulator):
    simulator.configure(invalid_numbers=["48600000001"])
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = _launch(app, connected, recipients=3)
        _send_all(connected, campaign_id)
        assert statuses(campaign_id) == {"submitted": 2, "failed": 1}
        failed = db.session.scalar(select(Message).where(Message.status == "failed"))
        assert failed.phone == "+48600000001" and failed.error_code == 13
        assert "Invalid phone number" in failed.error_text


def test_no_points_pauses_with_the_reason_and_resume_finishes_nothing_twice(app, connected, simulator):
    app.config.update(SEND_BATCH_SIZE=1)
    simulator.update_account(points="0.32")  # two messages' worth
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=4)
        with account_scope(connected.account_id):
            db.session.execute(update(Campaign).values(status="sending"))
            from portal.campaigns.launch import materialise_messages

            materialise_messages(db.session.get(Campaign, campaign_id))
            db.session.commit()
        app.config.update(SEND_THREADS=1)
        _send_all(connected, campaign_id)
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "paused"
        assert "no points left" in campaign.paused_reason
        assert statuses(campaign_id) == {"submitted": 2, "queued": 2}
        simulator.update_account(points="100")
        with account_scope(connected.account_id):
            resume_campaign(campaign_id, None)
            db.session.commit()
        _send_all(connected, campaign_id)
        assert statuses(campaign_id) == {"submitted": 4}
        assert db.session.get(Campaign, campaign_id).status == "finished"
    assert len(sent(simulator)) == 4


def test_transient_failures_are_retried_until_sent_once(app, connected, simulator):
    simulator.faults(fail_rate=0.5, seed=7)
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = _launch(app, connected, recipients=20)
        app.config.update(SEND_BATCH_SIZE=3, SEND_ATTEMPTS=12)
        _send_all(connected, campaign_id)
        assert statuses(campaign_id) == {"submitted": 20}
    assert len(sent(simulator)) == 20


def test_numbers_that_opted_out_after_the_launch_are_skipped(app, connected, simulator):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = _launch(app, connected, recipients=3)
        db.session.add(OptOut(account_id=connected.account_id, phone="+48600000002"))
        db.session.commit()
        _send_all(connected, campaign_id)
        assert statuses(campaign_id) == {"submitted": 2, "skipped": 1}
    assert len(sent(simulator)) == 2


def test_contacts_whose_consent_was_withdrawn_after_the_launch_are_skipped(app, connected, simulator):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=4)
        db.session.execute(update(Contact).values(consent_at=utcnow()))
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(consent_only=True))
        db.session.commit()
        launch_campaign(campaign_id, db.session.get(User, connected.admin_id))
        db.session.commit()
        db.session.execute(update(Contact).where(Contact.phone == phone(1)).values(consent_at=None))
        db.session.add(OptOut(account_id=connected.account_id, phone=phone(2)))
        db.session.commit()
        _send_all(connected, campaign_id)
        assert statuses(campaign_id) == {"submitted": 2, "skipped": 2}
        reasons = dict(db.session.execute(select(Message.phone, Message.error_text)
                                          .where(Message.status == "skipped")).all())
    assert reasons == {
        phone(1): "Not sent: the contact's consent was withdrawn after the campaign was launched.",
        phone(2): "Not sent: the number opted out after the campaign was launched.",
    }
    assert sorted(message["number"] for message in sent(simulator)) == [phone(0)[1:], phone(3)[1:]]


def test_test_sends_go_through_the_pipeline_and_stay_out_of_progress(app, connected, simulator):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=2)
        with account_scope(connected.account_id):
            send_test(campaign_id, ["+48 600 000 001", "+48 611 222 333"], None)
            db.session.commit()
            assert send_test_sends(connected.account_id, campaign_id) == 2
            test_rows = db.session.scalars(select(Message).where(Message.is_test_send)).all()
            assert {m.status for m in test_rows} == {"submitted"}
            # The contact's own name for a contact's number, the fallback for a stranger's.
            assert sorted(m.text for m in test_rows) == ["Hello Name1!", "Hello there!"]
            progress = campaign_progress(campaign_id)
        assert (progress.total, progress.done) == (0, 0)
    assert len(sent(simulator)) == 2


def test_progress_counts_by_status_and_reports_percent(app, connected, simulator):
    app.config.update(SEND_CHUNK_SIZE=2)
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = _launch(app, connected, recipients=4)
        with account_scope(connected.account_id):
            send_chunk(connected.account_id, campaign_id, test_sends=False)
            db.session.commit()
            progress = campaign_progress(campaign_id)
    assert progress.counts == {"submitted": 2, "queued": 2}
    assert (progress.total, progress.done, progress.percent, progress.finished) == (4, 2, 50, False)


def test_claims_and_cancels_never_touch_another_accounts_messages(app, connected, make_account):
    other = make_account("Other Shop")
    with app.app_context(), account_scope(connected.account_id):
        theirs = make_ready_campaign(
            type(connected)(
                other.account_id, other.admin_id, _other_list(other.account_id), connected.sender_id
            ),
            recipients=0,
        )
        db.session.add_all(
            [
                Message(
                    account_id=other.account_id,
                    campaign_id=theirs,
                    phone=f"+4869900000{n}",
                    status="queued",
                    status_rank=0,
                    attempts=0,
                )
                for n in range(3)
            ]
        )
        db.session.commit()
        campaign_id = _launch(app, connected, recipients=2)
        with account_scope(connected.account_id):
            assert dispatch.claim_chunk(connected.account_id, theirs) == []
            from portal.campaigns.launch import cancel_campaign

            cancel_campaign(campaign_id, None)
            db.session.commit()
        assert statuses(theirs) == {"queued": 3}
        assert statuses(campaign_id) == {"cancelled": 2}


def _other_list(account_id):
    from portal.models import ContactList

    contact_list = ContactList(account_id=account_id, name="Theirs")
    db.session.add(contact_list)
    db.session.commit()
    return contact_list.id


def test_a_small_campaign_is_not_held_back_by_a_big_one(app, connected, simulator):
    from portal.campaigns.launch import start_sending
    from portal.queue import all_queues, redis_connection
    from tests.in_process_worker import InProcessWorker

    app.config.update(SEND_CHUNK_SIZE=50, SEND_BATCH_SIZE=50, SEND_SLICE_SECONDS=0)  # a chunk per job
    with app.app_context(), account_scope(connected.account_id):
        big = _launch(app, connected, recipients=600)
        with account_scope(connected.account_id):
            start_sending(big)
        small = make_ready_campaign(connected, recipients=0)
        with account_scope(connected.account_id):
            db.session.add_all(
                [
                    Message(
                        account_id=connected.account_id,
                        campaign_id=small,
                        phone=f"+4869800000{n}",
                        status="queued",
                        status_rank=0,
                        attempts=0,
                    )
                    for n in range(5)
                ]
            )
            launch_campaign_status(small)
            start_sending(small)
        InProcessWorker(all_queues(), connection=redis_connection()).work(burst=True)
        small_done = db.session.get(Campaign, small).finished_at
        big_done = db.session.get(Campaign, big).finished_at
        assert statuses(big) == {"submitted": 600} and statuses(small) == {"submitted": 5}
    assert small_done < big_done


def launch_campaign_status(campaign_id):
    """Mark a campaign whose messages a test made itself as sending."""
    from portal.campaigns.lifecycle import transition

    transition(db.session.get(Campaign, campaign_id), "sending", None)
    db.session.commit()


def test_a_job_claims_the_next_chunk_while_the_calls_of_the_last_are_in_flight(app, connected, simulator):
    app.config.update(SEND_CHUNK_SIZE=5, SEND_BATCH_SIZE=5)
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = _launch(app, connected, recipients=15)
        simulator.configure(latency=1.0)
        assert send_chunks(connected.account_id, campaign_id, until=time.monotonic() + 60) == (15, False)
        assert statuses(campaign_id) == {"submitted": 15}
    accepted = sorted({m["accepted_at"] for m in sent(simulator)})  # a time per call: a call per chunk
    assert len(accepted) == 3
    # Chunk after chunk, the second call would leave only after the first one's answer (1 s later).
    assert accepted[1] - accepted[0] < 1.0


def test_a_job_stops_claiming_when_its_slice_is_over_and_says_there_is_more(app, connected, simulator):
    app.config.update(SEND_CHUNK_SIZE=5, SEND_BATCH_SIZE=5)
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = _launch(app, connected, recipients=30)
        simulator.configure(latency=0.5)
        # The first chunk is claimed whatever the time; the second while its calls are in flight.
        assert send_chunks(connected.account_id, campaign_id, until=time.monotonic() + 0.2) == (10, True)
        assert statuses(campaign_id) == {"submitted": 10, "queued": 20}


def test_custom_fields_and_fallbacks_are_filled_in_as_each_message_is_sent(app, connected, simulator):
    from portal.models import Contact

    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(
            connected, message="Hi {first_name|there}, see you in {city|your town} | {shop}!", recipients=3
        )
        contacts = db.session.scalars(select(Contact).order_by(Contact.id)).all()
        contacts[0].fields = {"city": "Kraków", "shop": "Rynek 1"}
        contacts[1].fields = {"shop": "Główna 2"}
        contacts[2].first_name = ""
        db.session.commit()
        launch_campaign(campaign_id, db.session.get(User, connected.admin_id))
        db.session.commit()
        _send_all(connected, campaign_id)
        texts = db.session.scalars(select(Message.text).where(Message.campaign_id == campaign_id)
                                   .order_by(Message.id)).all()
    assert texts == [
        "Hi Name0, see you in Kraków | Rynek 1!",
        "Hi Name1, see you in your town | Główna 2!",
        "Hi there, see you in your town | !",
    ]
    assert len(sent(simulator)) == 3


def test_a_contact_deleted_after_the_launch_is_not_mistaken_for_the_next_one_given_its_id(
    app, connected, simulator
):
    """A message keeps its contact's id with no foreign key. Once the contact is deleted, its message
    gets the fallbacks, even when SQLite gives the id again to a new contact."""
    from portal.contacts.service import delete_contact
    from portal.models import Contact

    with app.app_context(), account_scope(connected.account_id):
        campaign_id = _launch(app, connected, message="Hi {first_name|there}!", recipients=2)
        last = db.session.scalars(select(Contact).order_by(Contact.id.desc())).first()
        last_id = last.id
        delete_contact(last)
        db.session.add(Contact(id=last_id, account_id=connected.account_id, phone="+48600999999",
                               first_name="Stranger", last_name="", fields={}))
        db.session.commit()
        _send_all(connected, campaign_id)
        texts = db.session.scalars(select(Message.text).where(Message.campaign_id == campaign_id)
                                   .order_by(Message.id)).all()
    assert texts == ["Hi Name0!", "Hi there!"]
    assert len(sent(simulator)) == 2


def test_recording_a_chunk_finds_each_message_by_its_id_whatever_the_statistics_say(app, account):
    """Statistics taken when nothing was being sent must not lead the record of a chunk to compare
    every message being sent with every row of the chunk's document."""
    skip_unless_postgresql(app)
    sent = sent_campaign(app, account.account_id, 3000, record_ids=False)
    with app.app_context(), account_scope(account.account_id):
        db.session.execute(update(Message).values(status="queued", status_rank=0, submitted_at=None))
        db.session.commit()
    analyze(app)  # every message queued: none being sent, as far as the planner knows
    with app.app_context(), account_scope(account.account_id):
        claimed = dispatch.claim_chunk(account.account_id, sent.campaign_id, size=2000)
        rendered = [dispatch.Rendered(item, "Hello!", 1, ()) for item in claimed]
        outcomes = {item.id: Outcome("accepted", f"ID{item.id}", Decimal("0.16"), 1, attempts=1)
                    for item in claimed}
        plan = plan_with_nested_loops("UPDATE message m SET", lambda: dispatch.record_outcomes(
            account.account_id, rendered, outcomes, test_mode=False))
        db.session.commit()
        assert statuses(sent.campaign_id) == {"submitted": 2000, "queued": 1000}
    # Read by their ids through the primary key, not each compared with every row of the document.
    assert '"Index Name": "pk_message"' in plan and "b.b_id" in plan, plan


def test_a_chunk_is_claimed_from_its_campaigns_queued_messages_not_from_the_whole_table(app, account):
    """With a finished campaign earlier in the table and fresh statistics, a claim reads the chunk it
    takes: not every message from the table's first one on (by the primary key, for their order),
    nor every queued message of the table (to join them to the chunk's ids)."""
    skip_unless_postgresql(app)
    sent_campaign(app, account.account_id, 3000, record_ids=False, name="Earlier")
    queued = sent_campaign(app, account.account_id, 3000, record_ids=False, name="Now")
    with app.app_context(), account_scope(account.account_id):
        db.session.execute(update(Message).where(Message.campaign_id == queued.campaign_id)
                           .values(status="queued", status_rank=0, submitted_at=None))
        db.session.commit()
    analyze(app)
    with app.app_context(), account_scope(account.account_id):
        first = dispatch.claim_chunk(account.account_id, queued.campaign_id, size=500)
        db.session.commit()
        claimed = []
        read = rows_read(app, "message", lambda: (
            claimed.extend(dispatch.claim_chunk(account.account_id, queued.campaign_id, size=500)),
            db.session.commit(),
        ))
    assert [c.id for c in first] == queued.message_ids[:500]
    assert [c.id for c in claimed] == queued.message_ids[500:1000]
    # The 500 read from the campaign's index, each found again by its key, and the 500 written.
    assert read == 1500, read
