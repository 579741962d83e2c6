"""The composer's audience and personalisation: lists ticked, placeholders offered, the worst case."""

import re

from portal.models import Campaign
from tests.campaigns.conftest import stored_campaign
from tests.campaigns.test_routes import HTMX

CUSTOMERS = [
    ("+48600100200", "Anna", "Nowak", {"city": "Kraków"}),
    ("+48600100201", "Christopher", "Smith", {"city": "Gdynia", "plan": "Gold"}),
    ("+12025550100", "Bob", "Lee", {}),
]


def post(client, path="/campaigns/new", action="save", lists=(), message="Hello!", consent_only=None,
         **kwargs):
    data = {
        "name": "Spring sale",
        "sender": "",
        "message": message,
        "action": action,
        "list_ids": [str(i) for i in lists],
    }
    if consent_only is not None:  # a ticked checkbox; an unticked one is not sent at all
        data["consent_only"] = consent_only
    return client.post(path, data=data, **kwargs)


def test_ticking_a_list_answers_the_summary_with_buttons_and_preview_out_of_band(
    member_client, account, make_list
):
    list_id = make_list(account.account_id, "Customers", CUSTOMERS)
    response = post(
        member_client, action="audience", lists=[list_id], message="Hi {first_name}", headers=HTMX
    )
    html = response.data.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="audience"')
    assert "Recipients</dt><dd>3</dd>" in html
    assert 'id="personalise" class="personalise" hx-swap-oob="true"' in html
    assert 'data-insert-placeholder="{city}"' in html and 'data-insert-placeholder="{plan}"' in html
    assert 'id="preview" class="preview" aria-labelledby="preview-title" hx-swap-oob="true"' in html
    assert "US or Canadian number" in html and "1 recipient has" in html
    assert "<html" not in html


def test_without_javascript_the_summary_button_answers_the_whole_page(member_client, account, make_list):
    list_id = make_list(account.account_id, "Customers", CUSTOMERS)
    response = post(member_client, action="audience", lists=[list_id], message="Hi {first_name}")
    html = response.data.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Recipients</dt><dd>3</dd>" in html
    assert re.search(rf'<input checked[^>]*value="{list_id}"', html)


def test_insert_buttons_offer_only_the_custom_fields_of_the_ticked_lists(member_client, account, make_list):
    customers = make_list(account.account_id, "Customers", CUSTOMERS[:1])
    make_list(account.account_id, "Partners", [("+48600100300", "Ewa", "Lis", {"company": "Areto"})])
    html = post(member_client, action="audience", lists=[customers], headers=HTMX).data.decode()
    assert 'data-insert-placeholder="{city}"' in html
    assert "{company}" not in html
    assert (
        'data-insert-placeholder="{first_name}"' in html and 'data-insert-placeholder="{last_name}"' in html
    )


def test_preview_counts_the_longest_first_name_and_warns_about_the_extra_sms(
    member_client, account, make_list
):
    list_id = make_list(account.account_id, "Customers", CUSTOMERS)
    message = "Hi {first_name|there}! " + "x" * 146
    html = post(member_client, action="preview", lists=[list_id], message=message, headers=HTMX).data.decode()
    assert "With the longest first names this message takes 2 SMS instead of 1." in html
    assert "“Christopher”" in html
    assert "Estimated cost: 2 SMS per recipient at most." in html


def test_a_special_character_in_any_value_counts_the_preview_as_unicode(member_client, account, make_list):
    list_id = make_list(account.account_id, "Customers", CUSTOMERS)
    html = post(
        member_client, action="preview", lists=[list_id], message="Greetings from {city}", headers=HTMX
    )
    html = html.data.decode()
    assert "Unicode (special characters)" in html
    assert "Some “city” values in your lists contain special characters" in html


def test_without_lists_placeholders_count_at_their_fallback(member_client):
    html = post(
        member_client, action="preview", message="Hi {first_name|Customer}", headers=HTMX
    ).data.decode()
    assert "<dt>Used</dt><dd>11</dd>" in html


def test_unknown_placeholder_is_refused_with_its_name_next_to_the_message(
    app, member_client, account, make_list
):
    list_id = make_list(account.account_id, "Customers", CUSTOMERS)
    response = post(member_client, lists=[list_id], message="Hi {frist_name}")
    html = response.data.decode()
    assert response.status_code == 422
    assert 'class="field-error"' in html and "{frist_name} is not a contact field" in html
    with app.app_context():
        from portal.extensions import db

        assert db.session.query(Campaign).execution_options(all_accounts=True).count() == 0
    preview = post(member_client, action="preview", lists=[list_id], message="Hi {frist_name}", headers=HTMX)
    assert "{frist_name} is not a contact field" in preview.data.decode()


def test_saving_keeps_the_ticked_lists(app, member_client, account, make_list, make_campaign):
    first = make_list(account.account_id, "Customers", CUSTOMERS[:1])
    second = make_list(account.account_id, "VIP", CUSTOMERS[1:2])
    campaign_id = make_campaign(account.account_id)
    response = post(
        member_client, f"/campaigns/{campaign_id}", lists=[first, second], message="Hi {first_name}"
    )
    assert response.status_code == 302
    with app.app_context():
        from portal.extensions import db

        campaign = db.session.get(Campaign, campaign_id, execution_options={"all_accounts": True})
        assert sorted(campaign.list_ids) == sorted([first, second])
    page = member_client.get(f"/campaigns/{campaign_id}").data.decode()
    assert "Recipients</dt><dd>2</dd>" in page, page[page.find("audience-picker"):][:1500]


def test_another_accounts_list_cannot_be_chosen(app, member_client, account, make_account, make_list):
    other = make_account("Other").account_id
    foreign = make_list(other, "Theirs", [("+48600999999", "Zed", "", {})])
    make_list(account.account_id, "Ours", CUSTOMERS[:1])
    response = post(member_client, lists=[foreign])
    assert response.status_code == 422
    assert "Choose contact lists from the list." in response.data.decode()
    assert stored_campaign(app, 1) is None


def test_save_and_review_leads_to_the_launch_page(app, member_client, account, make_list):
    list_id = make_list(account.account_id, "Customers", CUSTOMERS)
    response = post(member_client, action="review", lists=[list_id])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/launch")


def _give_consent(app, account_id: int, *phones: str) -> None:
    from sqlalchemy import update

    from portal.extensions import db
    from portal.models import Contact, utcnow

    with app.app_context():
        db.session.execute(update(Contact).where(Contact.account_id == account_id, Contact.phone.in_(phones))
                           .values(consent_at=utcnow()).execution_options(all_accounts=True))
        db.session.commit()


def test_the_summary_counts_who_has_no_consent_and_leaves_them_out_when_asked(
    member_client, account, make_list
):
    list_id = make_list(account.account_id, "Customers", CUSTOMERS)
    _give_consent(member_client.application, account.account_id, "+48600100200")
    every = post(member_client, action="audience", lists=[list_id], headers=HTMX).data.decode()
    assert "Recipients</dt><dd>3</dd>" in every
    assert "2 recipients have\n        no consent recorded" in every
    assert "(left out)</dt><dd>2</dd>" not in every

    agreed = post(member_client, action="audience", lists=[list_id], consent_only="y", headers=HTMX)
    html = agreed.data.decode()
    assert "Recipients</dt><dd>1</dd>" in html
    assert "No consent recorded (left out)</dt><dd>2</dd>" in html
    assert "Consent is recorded on a contact's page, or by importing a file" in html  # how to add it
    assert "no consent recorded. A marketing message" not in html
    assert "US or Canadian number" not in html  # the +1 contact gave no consent: not a recipient


def test_the_worst_case_preview_reads_only_the_contacts_who_gave_consent(member_client, account, make_list):
    list_id = make_list(account.account_id, "Customers", CUSTOMERS)
    _give_consent(member_client.application, account.account_id, "+48600100200")  # Anna, not Christopher
    message = "Hi {first_name|there}! " + "x" * 146
    every = post(member_client, action="preview", lists=[list_id], message=message, headers=HTMX)
    assert "“Christopher”" in every.data.decode()
    agreed = post(member_client, action="preview", lists=[list_id], message=message, consent_only="y",
                  headers=HTMX).data.decode()
    assert "“Christopher”" not in agreed and "Estimated cost: 1 SMS per recipient" in agreed


def test_the_consent_choice_is_saved_shown_ticked_and_can_be_undone(app, member_client, account, make_list,
                                                                    make_campaign):
    list_id = make_list(account.account_id, "Customers", CUSTOMERS)
    campaign_id = make_campaign(account.account_id)
    response = post(member_client, f"/campaigns/{campaign_id}", lists=[list_id], consent_only="y")
    assert response.status_code == 302
    assert stored_campaign(app, campaign_id).consent_only is True
    page = member_client.get(f"/campaigns/{campaign_id}").data.decode()
    assert re.search(r'<input [^>]*checked id="consent_only"', page)
    assert "No consent recorded (left out)</dt><dd>3</dd>" in page and "Recipients</dt><dd>0</dd>" in page

    response = post(member_client, f"/campaigns/{campaign_id}", lists=[list_id])  # the box unticked
    assert response.status_code == 302
    saved = stored_campaign(app, campaign_id)
    assert saved.consent_only is False and saved.version == 3
