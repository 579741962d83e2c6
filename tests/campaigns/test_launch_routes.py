"""Launch page, test send, schedule, pause/resume/cancel and live progress: plain posts and htmx,
CSRF, and another account's campaign answered with 404."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import Campaign, Message, utcnow
from tests.campaigns.conftest import run_jobs, stored_campaign
from tests.campaigns.test_routes import HTMX
from tests.conftest import in_account
from tests.messages import sent_campaign
from tests.plans import analyze, is_postgresql, rows_read


def status_of(app, campaign_id):
    return stored_campaign(app, campaign_id).status


def message_count(app, campaign_id, *, tests=False):
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .where(Message.campaign_id == campaign_id, Message.is_test_send.is_(tests))
            .execution_options(all_accounts=True)
        )


def warsaw_in(**delta) -> str:
    return (datetime.now(ZoneInfo("Europe/Warsaw")) + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M")


def test_launch_page_shows_audience_cost_and_live_balance(member_client, sim_account, ready_campaign):
    campaign_id = ready_campaign()
    page = member_client.get(f"/campaigns/{campaign_id}/launch").data.decode()
    assert "Recipients</th><td>3</td>" in page
    assert "SMS in total</th><td>3</td>" in page
    assert "SMSAPI balance now</th>\n        <td>100.00 points</td>" in page
    assert "Points needed</th><td>0.48</td>" in page
    assert "Europe/Warsaw (C" in page  # the zone named next to the time field
    assert 'type="datetime-local"' in page


def test_launch_page_of_a_campaign_only_to_contacts_who_gave_consent_counts_them_alone(
    app, member_client, account, sim_account, ready_campaign
):
    from portal.models import Contact

    campaign_id = ready_campaign()
    with in_account(app, account.account_id):
        db.session.execute(update(Contact).where(Contact.phone == "+48600100200").values(consent_at=utcnow()))
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(consent_only=True))
        db.session.commit()
    page = member_client.get(f"/campaigns/{campaign_id}/launch").data.decode()
    assert "· only contacts who gave consent" in page
    assert "No consent recorded (left out)</dt><dd>2</dd>" in page
    assert "Recipients</th><td>1</td>" in page and "Points needed</th><td>0.16</td>" in page
    assert "to 1 recipient?" in page  # the confirmation names who it goes to


def test_launch_now_as_a_plain_post_sends_and_redirects(app, member_client, sim_account, ready_campaign):
    campaign_id = ready_campaign()
    response = member_client.post(f"/campaigns/{campaign_id}/launch", data={"when": "now"})
    assert response.status_code == 302 and response.headers["Location"] == f"/campaigns/{campaign_id}"
    assert status_of(app, campaign_id) == "sending"
    assert message_count(app, campaign_id) == 3


def test_launch_with_htmx_redirects_the_browser(app, member_client, sim_account, ready_campaign):
    campaign_id = ready_campaign()
    response = member_client.post(f"/campaigns/{campaign_id}/launch", data={"when": "now"}, headers=HTMX)
    assert response.headers["HX-Redirect"] == f"/campaigns/{campaign_id}"
    assert status_of(app, campaign_id) == "sending"


def test_launch_is_refused_while_points_are_short_with_the_numbers(
    app, member_client, sim_account, ready_campaign
):
    campaign_id = ready_campaign()
    member_client.get(f"/campaigns/{campaign_id}/launch")
    sim_account.update_account(points="0.01")
    response = member_client.post(f"/campaigns/{campaign_id}/launch", data={"when": "now"}, headers=HTMX)
    html = response.data.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="launch"')
    assert '<ul class="launch-problems" role="alert">' in html and "balance is too low" in html
    assert status_of(app, campaign_id) == "draft" and message_count(app, campaign_id) == 0


def test_schedule_in_the_future_then_the_reconcile_tick_starts_it(
    app, member_client, sim_account, ready_campaign
):
    campaign_id = ready_campaign()
    response = member_client.post(
        f"/campaigns/{campaign_id}/launch", data={"when": "later", "send_at": warsaw_in(hours=2)}
    )
    assert response.status_code == 302
    campaign = stored_campaign(app, campaign_id)
    assert campaign.status == "scheduled"
    assert campaign.scheduled_at.astimezone(UTC) > datetime.now(UTC) + timedelta(minutes=110)
    page = member_client.get(f"/campaigns/{campaign_id}").data.decode()
    assert "Sends at" in page and "Europe/Warsaw" in page


def test_a_past_time_is_refused_next_to_the_field(app, member_client, sim_account, ready_campaign):
    campaign_id = ready_campaign()
    response = member_client.post(
        f"/campaigns/{campaign_id}/launch", data={"when": "later", "send_at": warsaw_in(hours=-1)}
    )
    html = response.data.decode()
    assert response.status_code == 422
    assert 'class="field-error"' in html and "has already passed in Europe/Warsaw" in html
    assert status_of(app, campaign_id) == "draft"


def test_later_without_a_time_asks_for_one(member_client, sim_account, ready_campaign):
    campaign_id = ready_campaign()
    response = member_client.post(f"/campaigns/{campaign_id}/launch", data={"when": "later", "send_at": ""})
    assert response.status_code == 422
    assert "Choose the date and time to send at." in response.data.decode()


def test_test_send_with_htmx_lists_test_messages_outside_the_statistics(
    app, member_client, sim_account, ready_campaign
):
    campaign_id = ready_campaign()
    response = member_client.post(
        f"/campaigns/{campaign_id}/test", data={"phones": "+48600100200,\n 600 100 209"}, headers=HTMX
    )
    html = response.data.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="test-send"')
    assert "+48600100209" in html and "Test messages" in html
    assert message_count(app, campaign_id, tests=True) == 2
    assert message_count(app, campaign_id) == 0
    run_jobs(app)
    assert len(sim_account.messages()) == 2


def test_test_send_as_a_plain_post_redirects_back(app, member_client, sim_account, ready_campaign):
    campaign_id = ready_campaign()
    response = member_client.post(f"/campaigns/{campaign_id}/test", data={"phones": "+48600100200"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/campaigns/{campaign_id}/launch#test-send"


def test_test_send_refuses_more_than_five_numbers_and_bad_ones(
    app, member_client, sim_account, ready_campaign
):
    campaign_id = ready_campaign()
    six = ",".join(f"+4860010030{i}" for i in range(6))
    html = member_client.post(
        f"/campaigns/{campaign_id}/test", data={"phones": six}, headers=HTMX
    ).data.decode()
    assert "at most 5 numbers; you typed 6" in html
    html = member_client.post(
        f"/campaigns/{campaign_id}/test", data={"phones": "12"}, headers=HTMX
    ).data.decode()
    assert "“12” is not a valid phone number." in html
    assert message_count(app, campaign_id, tests=True) == 0


def launched(app, member_client, ready_campaign):
    campaign_id = ready_campaign()
    member_client.post(f"/campaigns/{campaign_id}/launch", data={"when": "now"})
    assert status_of(app, campaign_id) == "sending"
    return campaign_id


def test_progress_polls_while_sending_and_stops_when_finished(
    app, member_client, sim_account, ready_campaign
):
    campaign_id = launched(app, member_client, ready_campaign)
    response = member_client.get(f"/campaigns/{campaign_id}/progress", headers=HTMX)
    html = response.data.decode()
    assert html.lstrip().startswith('<section id="campaign-status"')
    assert 'hx-trigger="every 2s"' in html and "<progress" in html
    assert "HX-Request" in response.headers["Vary"]
    run_jobs(app)
    assert status_of(app, campaign_id) == "finished"
    html = member_client.get(f"/campaigns/{campaign_id}/progress", headers=HTMX).data.decode()
    assert "hx-trigger" not in html and 'value="3" max="3"' in html and "100%" in html
    assert "Handed to SMSAPI: <strong>3</strong>" in html


def test_progress_without_htmx_is_the_whole_page(member_client, app, sim_account, ready_campaign):
    campaign_id = launched(app, member_client, ready_campaign)
    response = member_client.get(f"/campaigns/{campaign_id}/progress")
    assert "<html" in response.data.decode()


def test_pause_and_resume_with_htmx_answer_the_status(app, member_client, sim_account, ready_campaign):
    campaign_id = launched(app, member_client, ready_campaign)
    html = member_client.post(f"/campaigns/{campaign_id}/pause", headers=HTMX).data.decode()
    assert status_of(app, campaign_id) == "paused"
    assert "is paused" in html and ">Resume</a>" in html
    html = member_client.post(f"/campaigns/{campaign_id}/resume", headers=HTMX).data.decode()
    assert status_of(app, campaign_id) == "sending" and "is sending again" in html


def test_pause_without_javascript_asks_then_redirects(app, member_client, sim_account, ready_campaign):
    campaign_id = launched(app, member_client, ready_campaign)
    page = member_client.get(f"/campaigns/{campaign_id}/pause").data.decode()
    assert "Pause “Spring sale”?" in page and status_of(app, campaign_id) == "sending"
    response = member_client.post(f"/campaigns/{campaign_id}/pause")
    assert response.status_code == 302 and status_of(app, campaign_id) == "paused"


def test_cancel_without_the_tick_is_refused_and_with_it_cancels(
    app, member_client, sim_account, ready_campaign
):
    campaign_id = launched(app, member_client, ready_campaign)
    response = member_client.post(f"/campaigns/{campaign_id}/cancel")
    assert response.status_code == 422 and "Tick the box to confirm." in response.data.decode()
    assert status_of(app, campaign_id) == "sending"
    response = member_client.post(f"/campaigns/{campaign_id}/cancel", data={"confirm": "y"})
    assert response.status_code == 302 and status_of(app, campaign_id) == "cancelled"
    html = member_client.get(f"/campaigns/{campaign_id}/progress", headers=HTMX).data.decode()
    assert "hx-trigger" not in html


def test_a_refused_move_is_explained(app, member_client, sim_account, ready_campaign):
    campaign_id = ready_campaign()
    response = member_client.post(f"/campaigns/{campaign_id}/resume", follow_redirects=True)
    assert status_of(app, campaign_id) == "draft"
    assert 'class="flash flash-error"' in response.data.decode()


def test_launched_campaign_page_is_read_only(app, member_client, sim_account, ready_campaign):
    campaign_id = launched(app, member_client, ready_campaign)
    page = member_client.get(f"/campaigns/{campaign_id}").data.decode()
    assert "<textarea" not in page and 'id="campaign-status"' in page
    response = member_client.post(
        f"/campaigns/{campaign_id}", data={"name": "x", "message": "y", "action": "save"}
    )
    assert stored_campaign(app, campaign_id).name == "Spring sale"
    assert "can no longer be changed" in response.data.decode()
    assert member_client.get(f"/campaigns/{campaign_id}/launch").status_code == 302


def test_campaign_list_shows_state_and_progress(app, member_client, sim_account, ready_campaign):
    campaign_id = launched(app, member_client, ready_campaign)
    page = member_client.get("/campaigns/").data.decode()
    assert '<span class="badge-state badge-state-sending">Sending</span>' in page
    assert 'aria-label="Spring sale: 0% done"' in page
    assert f"/campaigns/{campaign_id}/delete" not in page


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/launch"),
        ("post", "/test"),
        ("post", "/pause"),
        ("post", "/resume"),
        ("post", "/cancel"),
    ],
)
def test_every_action_needs_the_csrf_token(app, member_client, sim_account, ready_campaign, method, path):
    campaign_id = ready_campaign()
    response = member_client.post(
        f"/campaigns/{campaign_id}{path}", data={"when": "now", "confirm": "y"}, csrf=False
    )
    assert response.status_code == 400
    assert status_of(app, campaign_id) == "draft" and message_count(app, campaign_id, tests=True) == 0


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/launch"),
        ("post", "/launch"),
        ("post", "/test"),
        ("get", "/pause"),
        ("post", "/pause"),
        ("post", "/resume"),
        ("post", "/cancel"),
        ("get", "/progress"),
    ],
)
def test_another_accounts_campaign_is_not_found(
    app, client, auth, make_account, ready_campaign, method, path
):
    campaign_id = ready_campaign()
    other = make_account("Other")
    auth.login(other.member_email)
    response = getattr(client, method)(
        f"/campaigns/{campaign_id}{path}", data={"when": "now", "confirm": "y"}
    )
    assert response.status_code == 404
    assert status_of(app, campaign_id) == "draft"


def test_a_pause_the_portal_made_is_explained_in_plain_words(app, member_client, sim_account, ready_campaign):
    from portal.campaigns.launch import pause_campaign
    from portal.tenancy import account_scope

    campaign_id = launched(app, member_client, ready_campaign)
    campaign = stored_campaign(app, campaign_id)
    with app.app_context(), account_scope(campaign.account_id):
        pause_campaign(campaign_id, None, "The SMSAPI account has run out of points: top up, then resume.")
        db.session.commit()
    html = member_client.get(f"/campaigns/{campaign_id}/progress", headers=HTMX).data.decode()
    assert "Paused by the portal:</strong> The SMSAPI account has run out of points" in html
    assert ">Resume</a>" in html and 'hx-trigger="every 2s"' in html


def test_a_launched_campaign_links_its_delivery_report(app, member_client, sim_account, ready_campaign):
    campaign_id = launched(app, member_client, ready_campaign)
    assert (
        f'href="/campaigns/{campaign_id}/report"'
        in member_client.get(f"/campaigns/{campaign_id}").data.decode()
    )


def test_campaign_list_counts_only_the_messages_of_campaigns_not_finished(app, member_client, account):
    long_sent = sent_campaign(app, account.account_id, 3000, record_ids=False, name="Last season")
    sent_campaign(app, account.account_id, 4, name="Autumn")
    with in_account(app, account.account_id):
        db.session.execute(update(Campaign).where(Campaign.id == long_sent.campaign_id)
                           .values(status="finished", launched_at=utcnow(), finished_at=utcnow()))
        db.session.execute(update(Campaign).where(Campaign.id != long_sent.campaign_id)
                           .values(status="sending", launched_at=utcnow()))
        db.session.commit()
    pages = []

    def view():
        pages.append(member_client.get("/campaigns/").text)

    if is_postgresql(app):
        analyze(app)
        assert rows_read(app, "message", view) == 4  # Autumn's; none of the 3,000 sent long ago
    else:
        view()
    assert 'aria-label="Last season: 100% done"' in pages[0] and 'aria-label="Autumn: 100% done"' in pages[0]
