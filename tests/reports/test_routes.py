"""The campaign report: counts, chart, messages with filters and pages, timelines, live updates,
the CSV export, sending again to the failed ones, and unmatched reports for admins."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Campaign, Contact, ContactListMember
from tests.conftest import in_account
from tests.messages import sent_campaign


def test_report_counts_every_outcome_with_shares_and_points(member_client, reported):
    page = member_client.get(f"/campaigns/{reported.campaign_id}/report").text
    for key, count, share in (("delivered", 5, "50.0"), ("undelivered", 2, "20.0"), ("expired", 1, "10.0"),
                              ("failed", 1, "10.0"), ("pending", 1, "10.0")):
        row = page.split(f'data-outcome="{key}"')[1].split("</tr>")[0]
        assert f"<td class=\"num\" data-count>{count}</td>" in row and f"{share} %" in row
    assert "<td class=\"num\" data-points>1.60</td>" in page


def test_report_draws_the_chart_as_svg_with_a_table_fallback(member_client, reported):
    page = member_client.get(f"/campaigns/{reported.campaign_id}/report").text
    assert "<svg" in page and "<polyline" in page and "5 delivered" in page
    assert "The same as a table" in page and "<script" not in page.split("<main")[1]


def test_report_polls_while_messages_are_pending_and_stops_when_none_are(
    member_client, account, reported, report_to
):
    url = f"/campaigns/{reported.campaign_id}/report"
    fragment = member_client.get(url, query_string={"part": "live"}, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in fragment.text and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    report_to(account.account_id, reported, {9: 404})
    fragment = member_client.get(url, query_string={"part": "live"}, headers={"HX-Request": "true"})
    assert "hx-trigger" not in fragment.text
    assert "Every message of this campaign has its final status" in fragment.text


def test_messages_filter_by_status_and_number(member_client, reported):
    url = f"/campaigns/{reported.campaign_id}/report"
    page = member_client.get(url, query_string={"status": "undelivered"}).text
    assert page.count('data-status="undelivered"') == 2 and 'data-status="delivered"' not in page
    page = member_client.get(url, query_string={"number": "600 100 007"}).text
    assert page.count('<tr id="message-') == 1 and "+48600100007" in page
    fragment = member_client.get(url, query_string={"status": "pending", "part": "messages"},
                                 headers={"HX-Request": "true"}).text
    assert fragment.strip().startswith('<section id="report-messages">')
    assert fragment.count('<tr id="message-') == 1


def test_messages_page_by_key(app, member_client, account):
    sent = sent_campaign(app, account.account_id, 120)
    url = f"/campaigns/{sent.campaign_id}/report"
    first = member_client.get(url).text
    assert first.count('<tr id="message-') == 50
    assert f'id="message-{sent.message_ids[-1]}"' in first
    next_key = sent.message_ids[-50]
    assert f"before={next_key}" in first
    third = member_client.get(url, query_string={"before": sent.message_ids[-100]}).text
    assert third.count('<tr id="message-') == 20 and 'rel="next"' not in third


def test_timeline_shows_each_report_in_smsapis_words_and_ours(member_client, account, reported, report_to):
    report_to(account.account_id, reported, {9: 404})
    url = f"/campaigns/{reported.campaign_id}/report/messages/{reported.message_ids[9]}"
    page = member_client.get(url).text
    assert "Sent to SMSAPI" in page
    assert page.index("<code>SENT</code>") < page.index("<code>DELIVERED</code>")
    assert "Sent to the operator" in page and "Delivered to the phone" in page
    assert "0.16 points" in page


def test_another_accounts_report_and_messages_are_404(app, make_account, auth, client, reported):
    other = make_account("Other")
    auth.login(other.admin_email)
    base = f"/campaigns/{reported.campaign_id}/report"
    for url in (base, f"{base}/messages/{reported.message_ids[0]}", f"{base}/messages.csv"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/resend").status_code == 404


def test_export_streams_every_message_as_csv(app, member_client, reported):
    response = member_client.get(f"/campaigns/{reported.campaign_id}/report/messages.csv")
    assert response.is_streamed and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["message_id"]) for r in rows] == reported.message_ids
    assert rows[0]["status"] == "delivered" and rows[0]["points"] == "0.1600"
    assert rows[0]["smsapi_status_code"] == "404" and rows[0]["delivered_at"]


def test_send_again_drafts_a_campaign_for_exactly_the_failed_numbers(app, member_client, account, reported):
    response = member_client.post(f"/campaigns/{reported.campaign_id}/report/resend")
    assert response.status_code == 302
    draft_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    with in_account(app, account.account_id):
        draft = db.session.get(Campaign, draft_id)
        assert (draft.status, draft.message, draft.account_id) == ("draft", "Hello!", account.account_id)
        phones = set(db.session.scalars(
            select(Contact.phone).join(ContactListMember, ContactListMember.contact_id == Contact.id)
            .execution_options(all_accounts=True)
        ))
    assert phones == {f"+4860010{n:04d}" for n in (5, 6, 7, 8)}


def test_send_again_keeps_the_campaigns_choice_of_contacts_who_gave_consent(app, member_client, account,
                                                                           reported):
    with in_account(app, account.account_id):
        db.session.execute(update(Campaign).where(Campaign.id == reported.campaign_id)
                           .values(consent_only=True))
        db.session.commit()
    response = member_client.post(f"/campaigns/{reported.campaign_id}/report/resend")
    draft_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    with in_account(app, account.account_id):
        assert db.session.get(Campaign, draft_id).consent_only is True


def test_send_again_with_nothing_failed_says_so(app, member_client, account, report_to):
    sent = sent_campaign(app, account.account_id, 2)
    report_to(account.account_id, sent, {0: 404, 1: 404})
    response = member_client.post(f"/campaigns/{sent.campaign_id}/report/resend", follow_redirects=True)
    assert "Every message of this campaign was delivered" in response.text


def test_unmatched_reports_are_shown_to_admins_only(app, admin_client, account, reported):
    from portal.smsapi_account import CALLBACK_PATH, settings_for

    with in_account(app, account.account_id):
        secret = settings_for(account.account_id).callback_secret
    app.test_client().get(CALLBACK_PATH, query_string={"account": account.account_id, "secret": secret,
                                                       "MsgId": "FOREIGN42", "status": "404"})
    page = admin_client.get("/delivery-reports/unmatched").text
    assert "FOREIGN42" in page and "MsgId=FOREIGN42" in page
    assert reported.smsapi_id(0) not in page
    admin_client.post("/logout")


def test_members_cannot_see_unmatched_reports(member_client):
    assert member_client.get("/delivery-reports/unmatched").status_code == 403
