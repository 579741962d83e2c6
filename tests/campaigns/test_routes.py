"""The campaign pages: list, compose with a live preview, save, delete; scoped to the account."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.campaigns.service import PAGE_SIZE, ListCursor, list_campaigns
from portal.extensions import db
from portal.models import Campaign
from portal.tenancy import account_scope
from tests.campaigns.conftest import stored_campaign
from tests.conftest import in_account
from tests.plans import analyze, is_postgresql, rows_read

HTMX = {"HX-Request": "true"}


def compose(
    client, path="/campaigns/new", action="save", name="Spring sale", sender="", message="Hello!", **kwargs
):
    data = {"name": name, "sender": sender, "message": message, "action": action}
    return client.post(path, data=data, **kwargs)


def only_campaign(app) -> Campaign:
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).execution_options(all_accounts=True))
        db.session.expunge(campaign)
        return campaign


def test_empty_list_invites_to_create_the_first_campaign(member_client):
    page = member_client.get("/campaigns/").data.decode()
    assert "No campaigns yet" in page
    assert 'href="/campaigns/new"' in page and "Create your first campaign" in page


def test_member_composes_and_saves_a_draft(app, member_client, account):
    response = compose(member_client, message="Sale on Monday.\r\nSee you!")
    assert response.status_code == 302
    assert response.headers["Location"] == "/campaigns/"
    campaign = only_campaign(app)
    assert campaign.message == "Sale on Monday.\nSee you!"
    assert campaign.created_by_id == account.member_id
    assert campaign.sender_name_id is None


def test_list_shows_name_sender_cost_and_author(member_client, account, make_sender):
    sender_id = make_sender(account.account_id, "ARETO")
    compose(member_client, sender=str(sender_id), message="a" * 161)
    page = member_client.get("/campaigns/").data.decode()
    assert "Spring sale" in page
    assert "ARETO" in page
    assert "2 SMS · Standard characters" in page
    assert account.member_email in page


def test_edit_page_shows_the_draft_and_saves_changes(app, admin_client, account, make_campaign):
    campaign_id = make_campaign(account.account_id, message="Dzień dobry")
    page = admin_client.get(f"/campaigns/{campaign_id}").data.decode()
    assert "Dzień dobry</textarea>" in page
    assert "Unicode (special characters)" in page
    response = compose(admin_client, f"/campaigns/{campaign_id}", name="Renamed", message="Good morning")
    assert response.status_code == 302
    assert (stored_campaign(app, campaign_id).name, stored_campaign(app, campaign_id).message) == (
        "Renamed",
        "Good morning",
    )


def test_delete_asks_first_then_deletes(app, member_client, account, make_campaign):
    campaign_id = make_campaign(account.account_id)
    confirm = member_client.get(f"/campaigns/{campaign_id}/delete").data.decode()
    assert "Delete “Spring sale”?" in confirm
    assert stored_campaign(app, campaign_id) is not None
    response = member_client.post(f"/campaigns/{campaign_id}/delete")
    assert response.status_code == 302
    assert stored_campaign(app, campaign_id) is None


def test_preview_for_htmx_is_only_the_fragment(member_client):
    response = compose(member_client, action="preview", message="Zażółć", headers=HTMX)
    assert response.status_code == 200
    html = response.data.decode()
    assert html.strip().startswith('<section id="preview"')
    assert "<html" not in html
    assert "Unicode (special characters)" in html
    assert '<mark class="char-unicode" title="Latin small letter z with dot above">ż</mark>' in html
    assert "HX-Request" in response.headers["Vary"]


def test_preview_without_javascript_is_the_whole_page_with_the_form_kept(app, member_client):
    response = compose(member_client, action="preview", message="Zażółć")
    assert response.status_code == 200
    html = response.data.decode()
    assert "<html" in html
    assert 'value="Spring sale"' in html
    assert "Zażółć</textarea>" in html
    assert 'id="preview"' in html and "Unicode (special characters)" in html
    with app.app_context():
        assert db.session.scalar(select(Campaign).execution_options(all_accounts=True)) is None


def test_preview_escapes_the_message(member_client):
    html = compose(
        member_client, action="preview", message="<script>alert(1)</script>", headers=HTMX
    ).data.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_preview_refuses_a_post_without_the_csrf_token(member_client):
    response = compose(member_client, action="preview", headers=HTMX, csrf=False)
    assert response.status_code == 400
    assert 'id="preview"' not in response.data.decode()


def test_replace_returns_the_message_field_with_standard_characters_and_its_preview(member_client):
    response = compose(member_client, action="replace", message="Zażółć 😀", headers=HTMX)
    html = response.data.decode()
    assert html.strip().startswith('<div id="composer"')
    assert "Zazolc 😀</textarea>" in html
    assert "Grinning face" in html


def test_replace_without_javascript_shows_the_page_with_the_replaced_text_unsaved(app, member_client):
    html = compose(member_client, action="replace", message="Zażółć").data.decode()
    assert "<html" in html and "Zazolc</textarea>" in html
    assert "Standard characters" in html
    with app.app_context():
        assert db.session.scalar(select(Campaign).execution_options(all_accounts=True)) is None


def test_bad_form_comes_back_with_every_problem_named(member_client):
    response = compose(member_client, name=" ", message="")
    assert response.status_code == 422
    html = response.data.decode()
    assert "Give the campaign a name." in html
    assert "Write the message before saving." in html


def test_message_over_the_limit_is_refused_with_the_limit_named(app, member_client):
    response = compose(member_client, message="a" * 919)
    assert response.status_code == 422
    assert "at most 6 SMS (918 standard characters, or 402 with special characters)" in response.data.decode()
    with app.app_context():
        assert db.session.scalar(select(Campaign).execution_options(all_accounts=True)) is None


def test_the_limit_comes_from_the_configuration(app, member_client):
    app.config["SMS_MAX_PARTS"] = 1
    response = compose(member_client, message="a" * 161)
    assert response.status_code == 422
    assert "at most 1 SMS (160 standard characters, or 70 with special characters)" in response.data.decode()


def test_sender_choice_offers_only_active_names(member_client, account, make_sender):
    make_sender(account.account_id, "ARETO", is_default=True)
    make_sender(account.account_id, "WAITING", status="pending")
    page = member_client.get("/campaigns/new").data.decode()
    assert '<option selected value="">Account default (ARETO)</option>' in page
    assert ">ARETO</option>" in page
    assert "WAITING" not in page


def test_without_active_sender_names_a_hint_explains_the_default(member_client):
    page = member_client.get("/campaigns/new").data.decode()
    assert "No sender names are approved yet" in page


def test_a_pending_sender_name_is_refused_with_a_reason(app, member_client, account, make_sender):
    pending = make_sender(account.account_id, "WAITING", status="pending")
    response = compose(member_client, sender=str(pending))
    assert response.status_code == 422
    assert "“WAITING” is still waiting for approval by SMSAPI" in response.data.decode()
    with in_account(app, account.account_id):
        assert db.session.scalar(select(Campaign).execution_options(all_accounts=True)) is None


def test_a_sender_name_that_stopped_being_active_stays_visible_on_the_draft(
    app, member_client, account, make_sender, make_campaign
):
    sender_id = make_sender(account.account_id, "OLDNAME", status="inactive")
    campaign_id = make_campaign(account.account_id)
    with in_account(app, account.account_id):
        db.session.get(Campaign, campaign_id).sender_name_id = sender_id
        db.session.commit()
    page = member_client.get(f"/campaigns/{campaign_id}").data.decode()
    assert f'<option selected value="{sender_id}">OLDNAME (not active)</option>' in page
    response = compose(member_client, f"/campaigns/{campaign_id}", sender=str(sender_id))
    assert response.status_code == 422
    assert "“OLDNAME” is no longer active" in response.data.decode()


def test_another_accounts_campaign_is_a_404(app, client, auth, make_account, make_campaign):
    a = make_account("Alpha")
    b = make_account("Beta")
    campaign_id = make_campaign(b.account_id, name="Beta sale")
    auth.login(a.member_email)
    assert client.get(f"/campaigns/{campaign_id}").status_code == 404
    assert compose(client, f"/campaigns/{campaign_id}", name="Taken").status_code == 404
    assert client.post(f"/campaigns/{campaign_id}/delete").status_code == 404
    assert "Beta sale" not in client.get("/campaigns/").data.decode()
    assert stored_campaign(app, campaign_id).name == "Beta sale"


def test_another_accounts_sender_name_is_refused(app, client, auth, make_account, make_sender):
    a = make_account("Alpha")
    b = make_account("Beta")
    foreign = make_sender(b.account_id, "BETA")
    auth.login(a.member_email)
    response = compose(client, sender=str(foreign))
    assert response.status_code == 422
    assert "Choose a sender name from the list." in response.data.decode()


def test_preview_over_the_limit_says_it_once_and_shows_no_cost(member_client):
    html = compose(member_client, action="preview", message="a" * 919, headers=HTMX).data.decode()
    assert html.count("Remove at least 1 character.") == 1
    assert "Left in this SMS" not in html
    assert "Estimated cost" not in html
    assert "1 characters" not in html


def test_a_save_refused_as_too_long_says_how_much_once_in_the_preview(member_client):
    response = compose(member_client, message="a" * 919)
    html = response.data.decode()
    assert response.status_code == 422
    assert html.count("Remove at least 1 character.") == 1
    assert 'class="preview-problem" role="alert">Too long to send' in html
    field = html[html.index('<textarea'):html.index('</textarea>')]
    assert 'aria-invalid="true"' in field and 'aria-describedby="message-help"' in field
    assert 'id="message-help" class="field-error">Not saved: change the message as the preview says.' in html


def test_empty_preview_points_nowhere(member_client):
    html = compose(member_client, action="preview", message="", headers=HTMX).data.decode()
    assert "Write it to see how many SMS it takes." in html
    assert "above" not in html


def _many_campaigns(app, account_id: int, count: int, *, tie: int = 7) -> list[str]:
    """`count` campaigns whose last changes come in groups of `tie` at the same instant; their names
    in the list's order (last changed first, then the newer id)."""
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with app.app_context(), account_scope(account_id):
        campaigns = [Campaign(account_id=account_id, name=f"Campaign {n:03d}") for n in range(count)]
        db.session.add_all(campaigns)
        db.session.flush()
        for n, campaign in enumerate(campaigns):
            changed = base + timedelta(minutes=n // tie)
            db.session.execute(update(Campaign).where(Campaign.id == campaign.id).values(updated_at=changed))
        db.session.commit()
        order = sorted(range(count), key=lambda n: (n // tie, campaigns[n].id), reverse=True)
        return [f"Campaign {n:03d}" for n in order]


def _names_on(page: str) -> list[str]:
    return re.findall(r">(Campaign \d{3})</a>", page)


def test_the_list_goes_page_by_page_without_losing_or_repeating_a_campaign(app, member_client, account,
                                                                          make_account):
    expected = _many_campaigns(app, account.account_id, PAGE_SIZE + 5)  # a page ends inside a tie
    _many_campaigns(app, make_account("Beta").account_id, 3)  # another account's: never listed
    first = member_client.get("/campaigns/").text
    assert _names_on(first) == expected[:PAGE_SIZE]
    assert "First page" not in first
    following = re.search(r'href="(/campaigns/\?before=[^"]+)"[^>]*rel="next"', first).group(1)
    second = member_client.get(following.replace("&amp;", "&")).text
    assert _names_on(second) == expected[PAGE_SIZE:]
    assert 'rel="next"' not in second and 'href="/campaigns/"' in second and "First page" in second


def test_a_campaign_changed_meanwhile_moves_to_the_top_and_later_pages_go_on_below(
    app, member_client, account
):
    expected = _many_campaigns(app, account.account_id, PAGE_SIZE + 2)
    first = member_client.get("/campaigns/").text
    following = re.search(r'href="(/campaigns/\?before=[^"]+)"', first).group(1)
    with app.app_context(), account_scope(account.account_id):  # the oldest is renamed
        oldest = db.session.scalar(select(Campaign).where(Campaign.name == expected[-1]))
        oldest.name = "Campaign 999"
        db.session.commit()
    second = member_client.get(following).text
    assert _names_on(second) == expected[PAGE_SIZE:-1]
    assert _names_on(member_client.get("/campaigns/").text)[0] == "Campaign 999"


def test_a_page_that_has_emptied_says_so_and_leads_back(app, member_client, account):
    _many_campaigns(app, account.account_id, 2)
    page = member_client.get(f"/campaigns/?before={ListCursor(datetime(2020, 1, 1, tzinfo=UTC), 1)}").text
    assert _names_on(page) == []
    assert "No campaigns on this page" in page and "First page" in page and "No campaigns yet" not in page


@pytest.mark.parametrize(
    "cursor",
    ["abc", "1-", "-1", "1.5-2", "١٢-3", "1-0", "99999999999999999999999-1", "1-99999999999999999999"],
)
def test_a_cursor_that_is_not_one_is_not_found(member_client, cursor):
    assert member_client.get("/campaigns/", query_string={"before": cursor}).status_code == 404


def test_the_cursor_is_exact_to_the_microsecond():
    cursor = ListCursor(datetime(2026, 12, 7, 5, 4, 3, 999999, tzinfo=UTC), 42)
    assert ListCursor.parse(str(cursor)) == cursor


def test_a_page_reads_only_its_own_campaigns(app, account):
    if not is_postgresql(app):
        pytest.skip("counted by PostgreSQL's plans")
    _many_campaigns(app, account.account_id, 3000, tie=1)
    analyze(app)
    pages = []

    def view():
        with app.app_context(), account_scope(account.account_id):
            first = list_campaigns(account.account_id, 6)
            pages.append(list_campaigns(account.account_id, 6, first.next_before))

    assert rows_read(app, "campaign", view) == 2 * (PAGE_SIZE + 1)
    assert len(pages[0].rows) == PAGE_SIZE
