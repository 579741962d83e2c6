"""`/api/smsApi/update`: SMSAPI's delivery reports, by GET (query string) or POST (form).

The view reads the request, checks the secret, and hands every report to one service call that
the view commits once. Answers are plain text for SMSAPI: `OK`, or a reason with 400/403.
"""

from __future__ import annotations

from flask import Response, request

from portal.callbacks import bp
from portal.delivery import postgres
from portal.delivery.apply import apply_delivery_reports
from portal.extensions import csrf, db, limiter
from portal.sms.delivery import InvalidDeliveryReport, parse_delivery_reports
from portal.smsapi_account import CALLBACK_PATH, callback_account
from portal.tenancy import account_scope

#: The callback URL's own parameters, not part of any report.
URL_PARAMETERS = ("account", "secret")


@bp.route(CALLBACK_PATH, methods=["GET", "POST"])
@csrf.exempt
@limiter.exempt  # a refused callback only comes back: SMSAPI retries until it reads OK
def smsapi_update() -> Response:
    postgres.run_statements_in_autocommit()
    found = callback_account(request.args.get("account"), request.args.get("secret"))
    if found is None:
        return _plain("Unknown account or wrong secret: use the callback URL shown in Settings -> SMS.", 403)
    params = report_parameters()
    try:
        reports = parse_delivery_reports(params)
    except InvalidDeliveryReport as error:
        return _plain(f"Malformed delivery report: {error}. Nothing was applied.", 400)
    if found.required_username is not None:
        wrong = sorted({r.username for r in reports if r.username and r.username != found.required_username})
        if wrong:
            reason = f"username {wrong[0]!r} is not the connected SMSAPI user. Nothing was applied."
            return _plain(reason, 403)
    with account_scope(found.account_id):
        apply_delivery_reports(found.account_id, reports, params)
        db.session.commit()
    return _plain("OK", 200)


def report_parameters() -> dict[str, str]:
    """The report parameters of the query string and the form, one value per name: a name sent
    several times counts as one comma-separated list, like SMSAPI's batched form (SMSAPI.md §3.4)."""
    params: dict[str, str] = {}
    for source in (request.args, request.form):
        for name in source:
            if name not in URL_PARAMETERS:
                values = source.getlist(name)
                params[name] = ",".join([params[name], *values]) if name in params else ",".join(values)
    return params


def _plain(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/plain")
