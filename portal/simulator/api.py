"""SMSAPI's endpoints, under a first path segment naming the real host (`/api.smsapi.pl/sms.do`).

Legacy endpoints (`sms.do`, `user.do`) answer errors as `{"error": <int>, "message"}` inside an
HTTP 200; REST endpoints (`/profile`, `/ping`, `/sms/sendernames`) answer by HTTP status with the
`{"message", "error", "developer_description", "errors"}` shape (SMSAPI.md §2.1).
"""

from __future__ import annotations

import re
import socket
import time
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from portal.simulator.reference import HOSTS
from portal.simulator.sending import LegacyFailure, accept_send
from portal.simulator.state import Account, SenderNameRecord

bp = Blueprint("smsapi", __name__)

_ROUTES = Map([
    Rule("/sms.do", endpoint="sms", methods=["GET", "POST"]),
    Rule("/user.do", endpoint="user", methods=["GET", "POST"]),
    Rule("/profile", endpoint="profile", methods=["GET"]),
    Rule("/ping", endpoint="ping", methods=["GET"]),
    Rule("/sms/sendernames", endpoint="sendernames", methods=["GET", "POST"]),
    Rule("/sms/sendernames/<name>", endpoint="sendername", methods=["GET", "DELETE"]),
    Rule("/sms/sendernames/<name>/commands/make_default", endpoint="make_default", methods=["POST"]),
])


@bp.route("/<host>/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
def smsapi(host: str, path: str) -> Any:
    """Route a call for `host` to the endpoint it names, after the configured faults."""
    simulator = current_app.extensions["simulator"]
    found = HOSTS.get(host)
    inner = _inner_path(host, path)
    if found is None or inner is None:
        return rest_error(404, "not_found", "Not found resource")
    with simulator.state.lock:
        simulator.state.hits[host] += 1
    fault, hold = _inject_fault(host)
    if fault is not None:
        return fault
    try:
        endpoint, args = _ROUTES.bind("smsapi").match(inner, method=request.method)
    except HTTPException as exc:
        return rest_error(exc.code or 404, "not_found", "Not found resource")
    response = _HANDLERS[endpoint](found[0], host, **args)
    if hold:
        # The messages are accepted, the answer comes after the client gave up: the lost-answer
        # case check_idx exists for.
        time.sleep(hold)
    return response


def rest_error(status: int, error: str, message: str, errors: list[dict[str, Any]] | None = None) -> Response:
    """A REST error answer in SMSAPI's shape."""
    body = {"message": message, "error": error, "developer_description": None, "errors": errors or []}
    response = jsonify(body)
    response.status_code = status
    return response


def legacy_error(failure: LegacyFailure) -> Response:
    """A legacy error answer, inside the configured HTTP status (200 unless told otherwise)."""
    if _plain_text():
        response = Response(f"ERROR:{failure.code}", mimetype="text/plain")
    else:
        response = jsonify(failure.body)
    response.status_code = _config().legacy_error_status
    return response


def _plain_text() -> bool:
    """Legacy endpoints answer plain text without `format=json` (SMSAPI.md §1.3), unless told not to."""
    return _params().get("format") != "json" and not _config().json_without_format


def _config() -> Any:
    return current_app.extensions["simulator"].state.config


def _inner_path(host: str, path: str) -> str | None:
    """The endpoint path; on smsapi.io it must start with one of the configured prefixes."""
    if host != "smsapi.io":
        return "/" + path
    for prefix in sorted(_config().io_path_prefixes, key=len, reverse=True):
        if path.startswith(prefix):
            return "/" + path.removeprefix(prefix)
    return None


def _inject_fault(host: str) -> tuple[Response | None, float]:
    """Latency, dropped connections, HTTP errors and errors 202/203 as configured; or how long to
    hold the answer back after the call was served (`timeout_rate`)."""
    config, state = _config(), current_app.extensions["simulator"].state
    if host in config.unreachable:
        return _drop_connection(), 0.0
    if config.latency:
        time.sleep(config.latency)
    if config.fault_hosts and host not in config.fault_hosts:
        return None, 0.0
    with state.lock:
        roll = state.rng.random()
    if roll < config.timeout_rate:
        return None, config.timeout_seconds
    roll -= config.timeout_rate
    if roll < config.fail_rate:
        response = rest_error(config.fail_status, "service_unavailable", "Service unavailable")
    elif (roll := roll - config.fail_rate) < config.error202_rate:
        response = legacy_error(LegacyFailure(202, "Too many simultaneous requests, message not sent"))
    elif roll - config.error202_rate < config.error203_rate:
        response = legacy_error(LegacyFailure(203, "Too many requests, try again later"))
    else:
        return None, 0.0
    if config.retry_after is not None:
        response.headers["Retry-After"] = str(config.retry_after)
    return response, 0.0


def _drop_connection() -> Response:
    """Close the socket unanswered, so the caller sees a connection error as for a dead host."""
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        connection.shutdown(socket.SHUT_RDWR)
    return Response(status=503)


def _params() -> dict[str, str]:
    """Query, form and JSON body (the JS and Go clients post JSON) as one flat mapping."""
    if "smsapi_params" in g:
        return g.smsapi_params
    params = {**request.args.to_dict(), **request.form.to_dict()}
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict):
        params.update({key: str(value) for key, value in body.items()})
    g.smsapi_params = params
    return params


def _account(service: str) -> Account | None:
    """The account of the bearer token (or `access_token`), if it belongs to this service."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    token = token or request.values.get("access_token")
    state = current_app.extensions["simulator"].state
    with state.lock:
        account = state.accounts.get(token or "")
    # A token belongs to one service: elsewhere it is error 101 (SMSAPI.md §1.1, issue #30).
    return account if account is not None and account.service == service else None


def _unauthorized() -> Response:
    return rest_error(401, "authorization_failed", "Authorization failed")


def _send(service: str, host: str) -> Response:
    simulator = current_app.extensions["simulator"]
    account = _account(service)
    if account is None:
        return legacy_error(LegacyFailure(101, "Authorization failed"))
    try:
        answer = accept_send(simulator.state, account, host, _params())
    except LegacyFailure as failure:
        return legacy_error(failure)
    simulator.callbacks.schedule(answer.messages, account.callback_url, simulator.state.rng)
    if _plain_text():
        return Response(_plain_send_answer(answer.items()), mimetype="text/plain")
    return Response(answer.as_json_text(), mimetype="application/json")


def _plain_send_answer(items: list[dict[str, Any]]) -> str:
    """`OK:<id>:<points>`, or `OK:<id>:<points>:<number>` per recipient joined by `;` (old clients
    read only the first field; the exact layout is UNCONFIRMED, SMSAPI.md §1.3)."""
    items = [item for item in items if item["id"]]
    if len(items) == 1:
        return f"OK:{items[0]['id']}:{items[0]['points']}"
    return ";".join(f"OK:{item['id']}:{item['points']}:{item['number']}" for item in items)


def _user(service: str, host: str) -> Response:
    account = _account(service)
    if account is None:
        return legacy_error(LegacyFailure(101, "Authorization failed"))
    if _params().get("credits") != "1":
        return legacy_error(LegacyFailure(1001, "Invalid action"))
    pro_count = int(account.points / _config().price_per_part)
    if _plain_text():
        return Response(f"Points: {account.points}", mimetype="text/plain")
    return jsonify(points=float(account.points), proCount=pro_count, ecoCount=pro_count,
                   mmsCount=0, vmsGsmCount=0, vmsLandCount=0)


def _profile(service: str, host: str) -> Response:
    account = _account(service)
    if account is None:
        return _unauthorized()
    profile = {"id": account.username, "name": account.username, "username": account.username,
               "email": f"{account.username}@example.com", "phone_number": None,
               "payment_type": "prepaid", "user_type": "native"}
    if _config().profile_points:
        # `points` is present "for some account types only" (SMSAPI.md §7): profile_points=False
        # plays an account without it.
        profile["points"] = float(account.points)
    return jsonify(profile)


def _ping(service: str, host: str) -> Response:
    return jsonify(authorized=_account(service) is not None, unavailable=[])


def _sender_names(service: str, host: str) -> Response:
    account = _account(service)
    if account is None:
        return _unauthorized()
    state = current_app.extensions["simulator"].state
    if request.method == "GET":
        records = [state.sender_name(account, name) for name in list(account.sender_names)]
        return jsonify(collection=[r.as_json() for r in records if r], size=len(records))
    name = _params().get("sender", "")
    problem = None
    if not re.fullmatch(_config().sender_name_pattern, name):
        problem = "Sender name is invalid"
    elif name in account.sender_names:
        problem = "Sender name already exists"
    if problem:
        errors = [{"message": problem, "error": "invalid_sender", "path": "sender", "value": name}]
        return rest_error(400, "invalid_request_data", problem, errors)
    with state.lock:
        record = account.sender_names[name] = SenderNameRecord(name, "PENDING")
    response = jsonify(record.as_json())
    response.status_code = 201
    return response


def _sender_name(service: str, host: str, name: str) -> Response:
    account = _account(service)
    if account is None:
        return _unauthorized()
    state = current_app.extensions["simulator"].state
    record = state.sender_name(account, name)
    if record is None:
        return rest_error(404, "not_found", "Not found resource")
    if request.method == "GET":
        return jsonify(record.as_json())
    with state.lock:
        del account.sender_names[name]
    return Response(status=204)


def _make_default(service: str, host: str, name: str) -> Response:
    account = _account(service)
    if account is None:
        return _unauthorized()
    state = current_app.extensions["simulator"].state
    record = state.sender_name(account, name)
    if record is None:
        return rest_error(404, "not_found", "Not found resource")
    if record.status != "ACTIVE":
        # Legacy error 2061: a sender name must be active before it can be the default.
        return rest_error(400, "invalid_request_data", "Sender name must be active to be the default")
    with state.lock:
        for other in account.sender_names.values():
            other.is_default = other is record
    return Response(status=204)


_HANDLERS = {
    "sms": _send,
    "user": _user,
    "profile": _profile,
    "ping": _ping,
    "sendernames": _sender_names,
    "sendername": _sender_name,
    "make_default": _make_default,
}
