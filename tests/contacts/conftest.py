"""Helpers for the contacts tests: uploading a file as an import, running the import job."""

from __future__ import annotations

import io

import pytest

from portal.contacts import importer
from portal.contacts.csv_import import guess_targets
from portal.extensions import db
from portal.jobs import import_contacts
from portal.models import ContactImport, ContactList, ImportStatus
from portal.tenancy import account_scope


@pytest.fixture
def run_import(app):
    """Upload `data` for an account, map it by the guessed targets, run the job; returns the import."""

    def run(account_id: int, data: bytes, *, list_name: str | None = "Imported", targets=None,
            filename: str = "contacts.csv") -> ContactImport:
        with app.app_context(), account_scope(account_id):
            upload = importer.store_upload(account_id, None, filename, io.BytesIO(data), 50 * 1024 * 1024)
            headers, _rows = importer.preview(upload)
            upload.targets = targets or guess_targets(headers)
            if list_name:
                target = db.session.query(ContactList).filter_by(name=list_name).one_or_none()
                if target is None:
                    target = ContactList(account_id=account_id, name=list_name)
                    db.session.add(target)
                    db.session.flush()
                upload.list_id = target.id
            upload.status = ImportStatus.QUEUED.value
            db.session.commit()
            import_id = upload.id
        with app.app_context():
            import_contacts(account_id, import_id)
        with app.app_context(), account_scope(account_id):
            upload = db.session.get(ContactImport, import_id)
            db.session.expunge(upload)
            return upload

    return run
