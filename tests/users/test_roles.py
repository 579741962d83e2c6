"""What the Users page (and the README) says each role may do is what the permission rules allow."""

import re
from html import unescape
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"

#: Each phrase of the sentence about members, with the views (endpoints, or `blueprint.` for all of a
#: blueprint's) that do what it says.
MEMBERS_MAY = {
    "write, test-send, launch, schedule, pause, resume and cancel campaigns": ("campaigns.",),
    "read their delivery reports": ("reports.campaign_report", "reports.message_detail",
                                    "reports.export_messages", "reports.resend_failed"),
    "manage contacts, lists and imports": ("contacts.",),
    "see the approved sender names": ("senders.index", "senders.dismiss"),
}
#: Each thing admins also manage, with the views that only admins may open.
ADMINS_ALSO_MANAGE = {
    "settings": ("settings.", "reports.unmatched_reports"),
    "sender names": ("senders.",),
    "users": ("users.",),
}
#: Pages everyone signed in has, whatever the role: the dashboard, sign-in and the own password.
EVERYONE = ("main.", "auth.", "static")


def _admin_only(app) -> set[str]:
    return {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "admin_only", False)}


def _roles_sentence(html: str) -> str:
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.search(r"Members [^.]*\. Admins can do the same, and also manage [^.]*\.", text).group(0)


def test_what_each_role_may_do_is_what_the_permission_rules_allow(app):
    admin_only = _admin_only(app)
    assert "settings.index" in admin_only and "campaigns.launch" not in admin_only
    wrong = []
    for endpoint in app.view_functions:
        if endpoint.startswith(EVERYONE):
            continue
        members = [phrase for phrase, views in MEMBERS_MAY.items() if endpoint.startswith(views)]
        admins = [thing for thing, views in ADMINS_ALSO_MANAGE.items() if endpoint.startswith(views)]
        if endpoint in admin_only and (members or not admins):
            wrong.append(f"{endpoint} is for admins only, not for members: {members or 'no admin phrase'}")
        if endpoint not in admin_only and not members:
            wrong.append(f"{endpoint} is open to members, but no phrase about members says so")
    assert wrong == []


def test_the_users_page_and_the_readme_say_what_each_role_may_do(admin_client):
    sentence = _roles_sentence(admin_client.get("/users/").text)
    for phrase in MEMBERS_MAY:
        assert phrase in sentence
    assert sentence.endswith(f"also manage {', '.join(list(ADMINS_ALSO_MANAGE)[:-1])} and users.")
    assert sentence in " ".join(README.read_text().split())
