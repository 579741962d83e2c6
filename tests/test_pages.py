"""What holds on every page, for admins, members and visitors: ids are unique, nothing is missing."""

from collections import Counter
from html.parser import HTMLParser

from tests.conftest import PASSWORD
from tests.plugins.pages import NOT_PAGES, page_paths, unchecked_rules


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids[value] += 1


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(value for value, count in parser.ids.items() if count > 1)


def _visit_every_page(client, paths) -> dict[str, list[str]]:
    """Duplicate ids on each page; a page that is missing or fails is a problem too (a member's 403
    on an admin page is that page's answer)."""
    problems = {}
    for path in paths:
        with client.get(path) as response:
            if response.status_code == 404 or response.status_code >= 500:
                problems[path] = [f"answered {response.status_code}"]
            elif response.mimetype == "text/html":
                duplicates = duplicate_ids(response.data.decode())
                if duplicates:
                    problems[path] = duplicates
    return problems


def test_the_parser_finds_a_duplicate():
    assert duplicate_ids('<p id="a"></p><input id="a"><b id="b"></b>') == ["a"]


def test_page_list_comes_from_the_url_map(app, furnished):
    paths = page_paths(app, furnished)
    for expected in ("/login", "/campaigns/", "/campaigns/new", f"/campaigns/{furnished.campaign_id}",
                     f"/campaigns/{furnished.sending_id}/pause", f"/contacts/{furnished.contact_id}",
                     f"/campaigns/{furnished.sent_id}/report/messages/{furnished.message_id}",
                     f"/reset/{furnished.reset_token}", "/settings/", "/users/", "/senders/", "/contacts/"):
        assert expected in paths
    assert not [path for path in paths if path.startswith("/static") or path.endswith(".csv")]


def test_every_url_rule_is_a_checked_page_or_left_out_with_a_reason(app, furnished):
    assert unchecked_rules(app, furnished) == []
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(NOT_PAGES) <= endpoints, "a rule left out of the checks no longer exists"
    assert all(reason.strip() for reason in NOT_PAGES.values())


def test_a_new_page_of_one_record_is_unchecked_until_it_is_given_its_records(app, furnished):
    app.add_url_rule("/coupons/<int:coupon_id>", "coupons.show", lambda coupon_id: "")
    assert unchecked_rules(app, furnished) == ["coupons.show /coupons/<int:coupon_id>"]


def test_ids_are_unique_on_every_page_for_every_role(app, furnished):
    paths = page_paths(app, furnished)
    visitor = app.test_client()
    assert _visit_every_page(visitor, paths) == {}
    for email in (furnished.admin_email, furnished.member_email):
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        assert _visit_every_page(client, paths) == {}, email
