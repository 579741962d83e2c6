"""Contact list views: lists with counts, a list's audience and members, rename, delete, CSV export."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.contacts import bp
from portal.contacts import lists as contact_lists
from portal.contacts.audience import audience_summary
from portal.contacts.forms import ListForm
from portal.contacts.service import export_rows, search_contacts
from portal.downloads import csv_download
from portal.extensions import db
from portal.ids import id_arg, ids_from
from portal.models import ContactList
from portal.templating import confirmation_page, redirect_after_change
from portal.tenancy import get_scoped_or_404

REMOVE_MEMBERS_CONSEQUENCE = ("They stay in Contacts and on their other lists; campaigns sent to this list "
                              "no longer reach them.")


@bp.route("/lists", methods=["GET", "POST"])
@login_required
def lists():
    form = ListForm()
    if form.validate_on_submit():
        try:
            created = contact_lists.save_list(None, current_user.account_id, form.name.data)
        except contact_lists.ListError as refused:
            db.session.rollback()
            form.name.errors.append(str(refused))
        else:
            db.session.commit()
            flash(f"List “{created.name}” created.", "success")
            return redirect(url_for("contacts.list_page", list_id=created.id))
    rows = contact_lists.lists_with_counts(current_user.account_id)
    return render_template("contacts/lists.html", rows=rows, form=form), 422 if form.errors else 200


@bp.route("/lists/<int:list_id>", methods=["GET", "POST"])
@login_required
def list_page(list_id: int):
    """The audience summary, the members (keyset pages) and the rename form."""
    contact_list = get_scoped_or_404(ContactList, list_id)
    form = ListForm(obj=contact_list)
    if form.validate_on_submit():
        try:
            contact_lists.save_list(contact_list, current_user.account_id, form.name.data)
        except contact_lists.ListError as refused:
            db.session.rollback()
            form.name.errors.append(str(refused))
        else:
            db.session.commit()
            flash("List renamed.", "success")
            return redirect(url_for("contacts.list_page", list_id=list_id))
    account_id = current_user.account_id
    page = search_contacts(account_id, before=id_arg("before", big=True), list_id=list_id)
    return render_template(
        "contacts/list.html", contact_list=contact_list, form=form, page=page,
        summary=audience_summary(account_id, [list_id], consent_only=False),
    ), 422 if form.errors else 200


@bp.route("/lists/<int:list_id>/remove", methods=["POST"])
@login_required
def remove_members(list_id: int):
    """The ticked contacts off the list, once confirmed: without JavaScript a page asks first (and
    carries the ticks on); with it, the button's hx-confirm asks and the post says it is confirmed."""
    contact_list = get_scoped_or_404(ContactList, list_id)
    ids = ids_from(request.form.getlist("contact_id"), big=True)
    back = url_for("contacts.list_page", list_id=list_id)
    if not ids:
        flash("Tick the contacts to remove from the list.", "error")
        return redirect_after_change(back)
    if request.form.get("confirmed") != "yes":
        return confirmation_page(
            question=f"Remove {_contacts(len(ids))} from “{contact_list.name}”?",
            consequence=REMOVE_MEMBERS_CONSEQUENCE,
            action=url_for("contacts.remove_members", list_id=list_id), button="Remove them from the list",
            back=back,
            hidden=[("confirmed", "yes"), *(("contact_id", str(contact_id)) for contact_id in ids)],
        )
    removed = contact_lists.remove_contacts(contact_list, ids)
    db.session.commit()
    flash(f"{_contacts(removed).capitalize()} removed from the list; they stay in Contacts.", "success")
    return redirect_after_change(back)


def _contacts(count: int) -> str:
    return f"{count} contact" if count == 1 else f"{count} contacts"


@bp.route("/lists/<int:list_id>/delete", methods=["GET", "POST"])
@login_required
def delete_list(list_id: int):
    contact_list = get_scoped_or_404(ContactList, list_id)
    if request.method == "POST":
        name = contact_list.name
        contact_lists.delete_list(contact_list)
        db.session.commit()
        flash(f"List “{name}” deleted; its contacts stay in Contacts.", "success")
        return redirect(url_for("contacts.lists"))
    members = contact_lists.member_count(current_user.account_id, list_id)
    return render_template("contacts/delete_list.html", contact_list=contact_list, members=members)


#: The export's own columns; each custom field follows in a column of its own, named after its key.
#: An import reads such a file back as it was written (the headers are guessed to the same targets).
EXPORT_HEADER = ["phone", "first_name", "last_name", "opted_out", "consent_at", "consent_source"]


@bp.route("/lists/<int:list_id>/export.csv")
@login_required
def export_list(list_id: int):
    """Streamed: one row at a time from a server-side cursor, whatever the size of the list."""
    contact_list = get_scoped_or_404(ContactList, list_id)
    account_id = current_user.account_id
    keys = contact_lists.field_keys(account_id, [list_id])

    rows = (
        [
            contact.phone, contact.first_name, contact.last_name, "yes" if opted_out else "no",
            contact.consent_at.isoformat() if contact.consent_at else "", contact.consent_source or "",
            *((contact.fields or {}).get(key, "") for key in keys),
        ]
        for contact, opted_out in export_rows(account_id, list_id)
    )
    return csv_download(f"list-{contact_list.id}.csv", [*EXPORT_HEADER, *keys], rows)
