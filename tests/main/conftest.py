"""The dashboard reads reports applied through the real endpoint."""

from tests.reports.conftest import report_to  # noqa: F401
