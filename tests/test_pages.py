"""What holds on every page, for admins, members and visitors: ids are unique, nothing is missing."""

from collections import Counter
from html.parser import HTMLParser

from tests.conftest import PASSWORD
from tests.plugins.pages import page_paths


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
    problems = {}
    for path in paths:
        with client.get(path) as response:
            if response.mimetype == "text/html":
                duplicates = duplicate_ids(response.data.decode())
                if duplicates:
                    problems[path] = duplicates
    return problems


def test_the_parser_finds_a_duplicate():
    assert duplicate_ids('<p id="a"></p><input id="a"><b id="b"></b>') == ["a"]


def test_page_list_comes_from_the_url_map(app, furnished):
    paths = page_paths(app, furnished.campaign_id)
    for expected in ("/login", "/campaigns/", "/campaigns/new", f"/campaigns/{furnished.campaign_id}",
                     "/settings/", "/users/", "/senders/", "/contacts/"):
        assert expected in paths
    assert not [path for path in paths if path.startswith(("/static", "/api/"))]


def test_ids_are_unique_on_every_page_for_every_role(app, furnished):
    paths = page_paths(app, furnished.campaign_id)
    visitor = app.test_client()
    assert _visit_every_page(visitor, paths) == {}
    for email in (furnished.admin_email, furnished.member_email):
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        assert _visit_every_page(client, paths) == {}, email
