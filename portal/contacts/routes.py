"""Contact views: search, the contact page (edit, lists, opt-out), create, delete, bulk add to a list."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from portal.contacts import bp, service
from portal.contacts import lists as contact_lists
from portal.contacts.forms import AddToListForm, BulkAddForm, ContactForm, OptOutForm
from portal.contacts.phones import format_phone
from portal.extensions import db
from portal.ids import id_arg, ids_from
from portal.models import Contact, ContactImport, ContactList
from portal.templating import confirmation_page, redirect_after_change, render_page
from portal.tenancy import get_scoped_or_404

OPT_IN_CONSEQUENCE = ("Only withdraw the opt-out if the person asked to receive messages again: "
                      "campaigns can message this number again.")
REMOVE_CONSEQUENCE = ("The contact stays in Contacts and on its other lists; campaigns sent to this list "
                      "no longer reach it.")


def add_to_list_form(form_class: type[AddToListForm] = AddToListForm, **kwargs) -> AddToListForm:
    form = form_class(**kwargs)
    form.list_id.choices = [SelectChoice(list_id, name)
                            for list_id, name in contact_lists.list_names(current_user.account_id)]
    return form


def bulk_add_form(query: str) -> BulkAddForm:
    form = add_to_list_form(BulkAddForm)
    everyone = f"all contacts matching “{query}”" if query else "all contacts matching"
    form.scope.choices = [SelectChoice("selected", "the ticked contacts"), SelectChoice("all", everyone)]
    return form


@bp.app_template_filter("phone")
def _phone_filter(value: str) -> str:
    return format_phone(value)


@bp.route("/")
@login_required
def index():
    """Search as you type (htmx swaps the results) or with the button; keyset pages below."""
    query = request.args.get("q", "").strip()
    return _index_page(query, id_arg("before", big=True), bulk_add_form(query))


def _index_page(query: str, before: int | None, add_form: BulkAddForm, status: int = 200):
    page = service.search_contacts(current_user.account_id, query, before=before)
    recent_imports = db.session.scalars(
        db.select(ContactImport).order_by(ContactImport.id.desc()).limit(3)
    ).all()
    return render_page("contacts/index.html", "results", status=status, query=query, before=before, page=page,
                       add_form=add_form, recent_imports=recent_imports)


@bp.route("/bulk-add", methods=["POST"])
@login_required
def bulk_add():
    """The ticked contacts, or every contact matching the search, onto a list; or the page again with
    the ticks kept and the reason next to the list or the choice of contacts."""
    query = request.form.get("q", "").strip()
    form = bulk_add_form(query)
    if not form.validate_on_submit():
        before = ids_from([request.form.get("before", "")], big=True)
        return _index_page(query, before[0] if before else None, form, status=422)
    target = get_scoped_or_404(ContactList, form.list_id.data)
    if form.scope.data == "all":
        added = contact_lists.add_search_results(target, query)
    else:
        added = contact_lists.add_contacts(target, form.contact_id.data)
    db.session.commit()
    flash(f"{added} contact(s) added to “{target.name}”.", "success")
    return redirect(url_for("contacts.index", q=query or None))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _contact_form()
    if form.validate_on_submit() and (contact := _save(None, form)) is not None:
        flash(f"Contact {format_phone(contact.phone)} saved.", "success")
        return redirect(url_for("contacts.show", contact_id=contact.id))
    return render_template("contacts/new.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/<int:contact_id>", methods=["GET", "POST"])
@login_required
def show(contact_id: int):
    contact = get_scoped_or_404(Contact, contact_id)
    form = _contact_form(contact)
    if not form.is_submitted():
        form.show_fields(contact.fields or {})
    elif form.validate() and _save(contact, form) is not None:
        flash("Contact saved.", "success")
        return redirect(url_for("contacts.show", contact_id=contact.id))
    return _contact_page(contact, form=form, status=422 if form.is_submitted() else 200)


def _contact_page(contact: Contact, *, form: ContactForm | None = None,
                  opt_out_form: OptOutForm | None = None, add_form: AddToListForm | None = None,
                  status: int = 200):
    account_id = current_user.account_id
    if form is None:
        form = _contact_form(contact)
        form.show_fields(contact.fields or {})
    return render_template(
        "contacts/show.html", contact=contact, form=form, opt_out_form=opt_out_form or OptOutForm(),
        opt_out=service.opt_out_of(account_id, contact.phone),
        lists=contact_lists.lists_of(account_id, contact.id), add_form=add_form or add_to_list_form(),
    ), status


def _contact_form(contact: Contact | None = None) -> ContactForm:
    if contact is None:
        form = ContactForm()
    else:
        form = ContactForm(obj=contact, consent=contact.consent_at is not None)
    form.country = service.account_country(current_user.account_id)
    return form


def _save(contact: Contact | None, form: ContactForm) -> Contact | None:
    data = service.ContactData(
        phone=form.phone.data, first_name=form.first_name.data or "", last_name=form.last_name.data or "",
        fields=form.custom_fields(), consent=form.consent.data, consent_source=form.consent_source.data or "",
    )
    try:
        saved = service.save_contact(contact, current_user.account_id, data)
    except service.ContactError as refused:
        db.session.rollback()
        getattr(form, refused.field).errors.append(str(refused))
        return None
    db.session.commit()
    return saved


@bp.route("/<int:contact_id>/delete", methods=["GET", "POST"])
@login_required
def delete(contact_id: int):
    """GET asks for confirmation, POST deletes (works without JavaScript)."""
    contact = get_scoped_or_404(Contact, contact_id)
    if request.method == "POST":
        phone = format_phone(contact.phone)
        service.delete_contact(contact)
        db.session.commit()
        flash(f"Contact {phone} deleted. An opt-out of the number stays.", "success")
        return redirect(url_for("contacts.index"))
    return render_template("contacts/delete.html", contact=contact)


@bp.route("/<int:contact_id>/opt-out", methods=["POST"])
@login_required
def opt_out(contact_id: int):
    contact = get_scoped_or_404(Contact, contact_id)
    form = OptOutForm()
    if not form.validate_on_submit():
        return _contact_page(contact, opt_out_form=form, status=422)
    service.record_opt_out(current_user.account_id, contact.phone, form.reason.data)
    db.session.commit()
    flash("Opted out: no campaign will message this number.", "success")
    return redirect(url_for("contacts.show", contact_id=contact.id))


@bp.route("/<int:contact_id>/opt-in", methods=["GET", "POST"])
@login_required
def opt_in(contact_id: int):
    """GET asks first (without JavaScript; with it, the button's hx-confirm asks), POST withdraws."""
    contact = get_scoped_or_404(Contact, contact_id)
    back = url_for("contacts.show", contact_id=contact.id) + "#opt-out"
    if request.method == "GET":
        if service.opt_out_of(current_user.account_id, contact.phone) is None:
            return redirect(back)
        return confirmation_page(
            question=f"Withdraw the opt-out of {format_phone(contact.phone)}?",
            consequence=OPT_IN_CONSEQUENCE, button="Withdraw the opt-out", back=back,
            action=url_for("contacts.opt_in", contact_id=contact.id),
        )
    service.withdraw_opt_out(current_user.account_id, contact.phone)
    db.session.commit()
    flash("The opt-out is withdrawn: campaigns can message this number again.", "success")
    return redirect_after_change(back)


@bp.route("/<int:contact_id>/lists", methods=["POST"])
@login_required
def add_to_list(contact_id: int):
    contact = get_scoped_or_404(Contact, contact_id)
    form = add_to_list_form()
    if not form.validate_on_submit():
        return _contact_page(contact, add_form=form, status=422)
    target = get_scoped_or_404(ContactList, form.list_id.data)
    contact_lists.add_contacts(target, [contact.id])
    db.session.commit()
    flash(f"Added to “{target.name}”.", "success")
    return redirect(url_for("contacts.show", contact_id=contact.id) + "#lists")


@bp.route("/<int:contact_id>/lists/<int:list_id>/remove", methods=["GET", "POST"])
@login_required
def remove_from_list(contact_id: int, list_id: int):
    """GET asks first (without JavaScript; with it, the button's hx-confirm asks), POST removes."""
    contact = get_scoped_or_404(Contact, contact_id)
    target = get_scoped_or_404(ContactList, list_id)
    back = url_for("contacts.show", contact_id=contact.id) + "#lists"
    if request.method == "GET":
        return confirmation_page(
            question=f"Remove {format_phone(contact.phone)} from “{target.name}”?",
            consequence=REMOVE_CONSEQUENCE, button="Remove from the list", back=back,
            action=url_for("contacts.remove_from_list", contact_id=contact.id, list_id=target.id),
        )
    contact_lists.remove_contacts(target, [contact.id])
    db.session.commit()
    flash(f"Removed from “{target.name}”.", "success")
    return redirect_after_change(back)
