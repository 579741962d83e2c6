"""Import views: upload, map the columns (with a live preview), follow the progress, read the summary."""

from __future__ import annotations

from pathlib import PurePath

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from rq import Retry
from wtforms import SelectChoice

from portal.contacts import bp, importer
from portal.contacts import lists as contact_lists
from portal.contacts.csv_import import (
    DELIMITER_NAMES,
    ENCODING_NAMES,
    TARGETS,
    FileFormatError,
    guess_targets,
    parse_row,
)
from portal.contacts.forms import NEW_LIST, MappingForm, UploadForm
from portal.contacts.service import account_country
from portal.downloads import csv_download
from portal.extensions import db
from portal.ids import id_arg
from portal.models import ContactImport, ContactList, ImportStatus
from portal.queue import enqueue
from portal.request_limits import accepts_uploads
from portal.templating import (
    account_timezone,
    confirmation_page,
    is_htmx_fragment_request,
    redirect_after_change,
    render_page,
)
from portal.tenancy import get_scoped_or_404

CANCEL_CONSEQUENCE = "Nothing from the file is kept: to import it later, upload it again."


@bp.route("/imports")
@login_required
def imports():
    """Every import of the account, newest first (keyset pages): its file, who uploaded it, where it
    stands and what came of it. While one on the page runs, the table refreshes itself."""
    before = id_arg("before")
    page = importer.list_imports(current_user.account_id, before=before)
    running = any(upload.is_running for upload, _ in page.rows)
    return render_page("contacts/imports.html", "imports", page=page, before=before, running=running)


@bp.route("/imports/new", methods=["GET", "POST"])
@login_required
@accepts_uploads
def new_import():
    form = UploadForm()
    limit = current_app.config["MAX_UPLOAD_LENGTH"]
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            upload = importer.store_upload(current_user.account_id, current_user.id,
                                           PurePath(upload_file.filename or "contacts.csv").name,
                                           upload_file.stream, limit)
        except (FileFormatError, importer.ImportTooLarge) as refused:
            db.session.rollback()
            form.file.errors.append(str(refused))
        else:
            db.session.commit()
            return redirect(url_for("contacts.map_import", import_id=upload.id))
    status = 422 if form.errors else 200
    return render_template("contacts/import_new.html", form=form, limit=importer.megabytes(limit)), status


@bp.errorhandler(413)
def upload_too_large(error):
    """A request over the upload limit is refused unread: say so on the upload page, naming the limit."""
    limit = importer.megabytes(current_app.config["MAX_UPLOAD_LENGTH"])
    form = UploadForm(formdata=None)
    form.file.errors = [f"The file is larger than the limit of {limit}. "
                        "Split it into smaller files and import them one by one."]
    return render_template("contacts/import_new.html", form=form, limit=limit), 413


def _mapping_form(upload: ContactImport, headers: list[str]) -> MappingForm:
    form = MappingForm()
    if not form.is_submitted():
        for target in guess_targets(headers):
            form.targets.append_entry(target)
        form.list_id.data = NEW_LIST
        form.new_list.data = PurePath(upload.filename).stem[:120]
    for index, entry in enumerate(form.targets.entries):
        entry.label.text = headers[index] if index < len(headers) else f"Column {index + 1}"
    form.list_id.choices = [SelectChoice(NEW_LIST, "A new list")] + [
        SelectChoice(str(row.id), f"{row.name} ({count})")
        for row, count in contact_lists.lists_with_counts(current_user.account_id)
    ]
    return form


@bp.route("/imports/<int:import_id>/map", methods=["GET", "POST"])
@login_required
def map_import(import_id: int):
    """Choose what each column is; htmx re-reads the preview rows whenever a choice changes."""
    upload = get_scoped_or_404(ContactImport, import_id)
    if upload.status != ImportStatus.UPLOADED:
        return redirect(url_for("contacts.show_import", import_id=import_id))
    headers, rows = importer.preview(upload)
    form = _mapping_form(upload, headers)
    targets = [entry.data for entry in form.targets.entries]
    if request.form.get("action") == "preview" and is_htmx_fragment_request():
        return _mapping_page(upload, form, headers, rows, targets, block="preview")
    if form.is_submitted() and len(targets) != len(headers):
        form.form_errors.append("The columns changed; choose them again.")
    elif form.validate_on_submit() and _start(upload, form, targets):
        return redirect(url_for("contacts.show_import", import_id=import_id))
    return _mapping_page(upload, form, headers, rows, targets, status=422 if form.is_submitted() else 200)


def _mapping_page(upload, form, headers, rows, targets, *, block="content", status=200):
    country, zone = account_country(current_user.account_id), account_timezone()
    read = [parse_row(number, cells, headers, targets, country, zone)
            for number, cells in enumerate(rows, start=2)]
    return render_page(
        "contacts/import_map.html", block, status=status, upload=upload, form=form, headers=headers,
        rows=rows, read=read, targets=TARGETS, encoding=ENCODING_NAMES.get(upload.encoding, upload.encoding),
        delimiter=DELIMITER_NAMES.get(upload.delimiter, upload.delimiter),
    )


def _start(upload: ContactImport, form: MappingForm, targets: list[str]) -> bool:
    """Save the mapping and the target list, commit, then enqueue the job (never the other order)."""
    if form.list_id.data == NEW_LIST:
        try:
            target = contact_lists.save_list(None, current_user.account_id, form.new_list.data)
        except contact_lists.ListError as refused:
            db.session.rollback()
            form.new_list.errors.append(str(refused))
            return False
    else:
        target = get_scoped_or_404(ContactList, int(form.list_id.data))
    upload.targets = targets
    upload.list_id = target.id
    upload.status = ImportStatus.QUEUED.value
    db.session.commit()
    # Imported here: the jobs module reaches the campaign code, which imports this package's audience.
    from portal import jobs

    enqueue(jobs.import_contacts, upload.account_id, upload.id, queue="bulk",
            job_id=f"contact-import-{upload.id}", job_timeout=3600, retry=Retry(max=2, interval=[10, 60]))
    return True


@bp.route("/imports/<int:import_id>")
@login_required
def show_import(import_id: int):
    """Progress while the job runs (the fragment polls itself), then the summary."""
    upload = get_scoped_or_404(ContactImport, import_id)
    contact_list = db.session.get(ContactList, upload.list_id) if upload.list_id else None
    return render_page("contacts/import_show.html", "progress", upload=upload, contact_list=contact_list,
                       problems=importer.problem_count(upload) if upload.status == ImportStatus.DONE else 0)


@bp.route("/imports/<int:import_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_import(import_id: int):
    """GET asks first (without JavaScript; with it, the button's hx-confirm asks), POST cancels."""
    upload = get_scoped_or_404(ContactImport, import_id)
    back = url_for("contacts.show_import", import_id=import_id)
    if not importer.cancellable(upload):
        return redirect_after_change(back)
    if request.method == "GET":
        return confirmation_page(
            question=f"Cancel the import of {upload.filename}?", consequence=CANCEL_CONSEQUENCE,
            action=url_for("contacts.cancel_import", import_id=import_id), button="Cancel the import",
            back=back,
        )
    importer.cancel(upload)
    db.session.commit()
    flash("The import is being cancelled: nothing from the file will be kept.", "success")
    return redirect_after_change(back)


@bp.route("/imports/<int:import_id>/errors.csv")
@login_required
def import_errors(import_id: int):
    """The rows that were not imported, streamed: row number, column, value, problem."""
    upload = get_scoped_or_404(ContactImport, import_id)

    rows = (
        [row.row_number, row.column_name, row.value, row.problem] for row in importer.problem_rows(upload)
    )
    return csv_download(f"import-{import_id}-problems.csv", ["row", "column", "value", "problem"], rows)
