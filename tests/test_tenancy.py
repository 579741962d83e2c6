"""Account scoping fails closed: every ORM query and bulk change sees only the current account, and
one with no account set is an error rather than every account."""

import pytest
from sqlalchemy import delete, func, select, update

from portal.extensions import db
from portal.models import AuditEvent, SenderName, User
from portal.tenancy import AccountScopeMissing, account_scope, current_account_id, get_scoped
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


@pytest.mark.parametrize(
    "statement",
    [
        select(User),
        select(User.email),
        select(func.count(User.id)),
        select(AuditEvent.id).where(AuditEvent.user_id.in_(select(User.id))),
    ],
    ids=["entity", "column", "aggregate", "subquery"],
)
def test_an_account_scoped_select_with_no_account_set_raises(app, account, statement):
    with app.app_context(), pytest.raises(AccountScopeMissing):
        db.session.execute(statement)


def test_get_by_id_with_no_account_set_raises(app, account):
    with app.app_context(), pytest.raises(AccountScopeMissing):
        db.session.get(User, account.admin_id)


def test_all_accounts_option_lifts_the_scope_on_purpose(app, make_account):
    a = make_account("Alpha")
    make_account("Beta")
    with app.app_context():
        assert len(db.session.scalars(select(User).execution_options(all_accounts=True)).all()) == 4
    with app.app_context(), account_scope(a.account_id):
        query = select(User).execution_options(all_accounts=True)
        assert len(db.session.scalars(query).all()) == 4


def test_bulk_update_changes_only_the_current_accounts_rows(app, make_account):
    a = make_account("Alpha")
    b = make_account("Beta")
    with app.app_context(), account_scope(a.account_id):
        result = db.session.execute(update(User).values(active=False))
        db.session.commit()
        assert result.rowcount == 2
    assert not get_user(app, a.member_email).active and not get_user(app, a.admin_email).active
    assert get_user(app, b.member_email).active and get_user(app, b.admin_email).active


def test_bulk_delete_removes_only_the_current_accounts_rows(app, make_account):
    a = make_account("Alpha")
    b = make_account("Beta")
    with app.app_context():
        for owner in (a, b):
            db.session.add(SenderName(account_id=owner.account_id, name="SHOP", status="active"))
        db.session.commit()
    with app.app_context(), account_scope(a.account_id):
        db.session.execute(delete(SenderName).where(SenderName.name == "SHOP"))
        db.session.commit()
    with app.app_context():
        left = db.session.scalars(select(SenderName.account_id).execution_options(all_accounts=True)).all()
    assert left == [b.account_id]


@pytest.mark.parametrize("statement", [update(User).values(active=False), delete(AuditEvent)],
                         ids=["update", "delete"])
def test_a_bulk_change_with_no_account_set_raises_and_changes_nothing(app, account, statement):
    with app.app_context():
        with pytest.raises(AccountScopeMissing):
            db.session.execute(statement)
        db.session.rollback()
    assert get_user(app, account.member_email).active


def test_get_scoped_refuses_another_accounts_row_even_from_the_identity_map(app, make_account):
    a = make_account("Alpha")
    b = make_account("Beta")
    with app.app_context():
        # Loaded across accounts on purpose, so the row sits in the session's identity map.
        db.session.get(User, b.admin_id, execution_options={"all_accounts": True})
        with account_scope(a.account_id):
            assert get_scoped(User, b.admin_id) is None
            assert get_scoped(User, a.admin_id).email == a.admin_email


def test_loading_the_signed_in_user_does_not_set_the_account(app, account):
    from portal.auth.routes import _load_user

    with app.test_request_context():
        assert _load_user(f"{account.admin_id}:0").account_id == account.account_id
        assert current_account_id() is None


def test_each_request_is_scoped_to_the_signed_in_users_account(admin_client, account):
    """Even a page refused before any view runs (CSRF) knows the account: its banner is there."""
    response = admin_client.post("/settings/connection/remove", csrf=False)
    assert response.status_code == 400
    assert b"test-mode-banner" in response.data
