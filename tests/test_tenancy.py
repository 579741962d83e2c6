"""Every query is limited to the signed-in user's account: rows of another account are a 404."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, User
from portal.tenancy import account_scope
from tests.conftest import get_user


def test_user_of_account_a_gets_404_for_a_user_of_account_b(client, auth, make_account):
    a = make_account("Alpha")
    b = make_account("Beta")
    auth.login(a.admin_email)
    for path in (f"/users/{b.member_id}/role", f"/users/{b.member_id}/deactivate"):
        response = client.post(path, data={"role": "admin"})
        assert response.status_code == 404, path
    assert get_user(client.application, b.member_email).role == "member"
    assert get_user(client.application, b.member_email).active


def test_lists_show_only_the_own_accounts_rows(client, auth, make_account):
    a = make_account("Alpha")
    b = make_account("Beta")
    auth.login(a.admin_email)
    page = client.get("/users/").data.decode()
    assert a.member_email in page
    assert b.member_email not in page and b.admin_email not in page


def test_orm_selects_are_scoped_to_the_current_account(app, make_account):
    a = make_account("Alpha")
    b = make_account("Beta")
    with app.app_context(), account_scope(a.account_id):
        emails = set(db.session.scalars(select(User.email)))
        assert emails == {a.admin_email, a.member_email}
        assert db.session.get(User, b.admin_id) is None
        assert {e.account_id for e in db.session.scalars(select(AuditEvent))} == {a.account_id}


def test_without_an_account_in_scope_jobs_see_every_account(app, make_account):
    make_account("Alpha")
    make_account("Beta")
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 4


def test_all_accounts_option_lifts_the_scope_on_purpose(app, make_account):
    a = make_account("Alpha")
    make_account("Beta")
    with app.app_context(), account_scope(a.account_id):
        query = select(User).execution_options(all_accounts=True)
        assert len(db.session.scalars(query).all()) == 4
