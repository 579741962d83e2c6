"""The inspection and control surface under `/_simulator/`, a prefix no SMSAPI host can have."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

bp = Blueprint("simulator_admin", __name__, url_prefix="/_simulator")


def _simulator() -> Any:
    return current_app.extensions["simulator"]


def _json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _problem(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


def _config_json() -> dict[str, Any]:
    values = dataclasses.asdict(_simulator().state.config)
    values.pop("token")
    return values


@bp.get("/state")
def state() -> Response:
    """Accounts, counts, duplicate refusals, hits per host, callback counters and settings."""
    simulator = _simulator()
    return jsonify(**simulator.state.summary(), callbacks=simulator.callbacks.stats(), config=_config_json())


@bp.get("/messages")
def messages() -> Response:
    """Accepted messages, optionally only those with `?idx=`, `?idx_prefix=`, `?host=`, `?username=`."""
    state = _simulator().state
    idx, prefix = request.args.get("idx"), request.args.get("idx_prefix")
    host, username = request.args.get("host"), request.args.get("username")
    with state.lock:
        found = [
            m for m in state.messages
            if (idx is None or m.idx == idx)
            and (prefix is None or (m.idx or "").startswith(prefix))
            and (host is None or m.batch.host == host)
            and (username is None or m.batch.username == username)
        ]
    return jsonify(messages=[m.as_json() for m in found])


@bp.get("/summary")
def summary() -> Response:
    """Counts to check a campaign against: accepted, idx repeats, parts, points, reports by status."""
    simulator = _simulator()
    stats = simulator.callbacks.stats()
    return jsonify(**simulator.state.counts(), reports_sent_by_status=stats["delivered_by_status"],
                   callbacks_pending=stats["pending"], callbacks_given_up=stats["given_up"])


@bp.get("/callbacks")
def callbacks() -> Response:
    """Every callback request attempted and its outcome."""
    simulator = _simulator()
    return jsonify(stats=simulator.callbacks.stats(), attempts=simulator.callbacks.attempts())


@bp.post("/reset")
def reset() -> Response:
    """Forget everything; a JSON body changes settings for the fresh start."""
    try:
        _simulator().reset(_json())
    except (TypeError, ValueError) as exc:
        return _problem(400, str(exc))
    return jsonify(config=_config_json())


@bp.route("/config", methods=["GET", "POST"])
def config() -> Response:
    """Read the settings, or change some (JSON) while keeping state."""
    if request.method == "POST":
        try:
            _simulator().configure(_simulator().state.config.updated(_json()))
        except (TypeError, ValueError) as exc:
            return _problem(400, str(exc))
    return jsonify(config=_config_json())


@bp.post("/faults")
def faults() -> Response:
    """Replace every fault setting at once: those not named are switched off."""
    try:
        _simulator().configure(_simulator().state.config.without_faults().updated(_json()))
    except (TypeError, ValueError) as exc:
        return _problem(400, str(exc))
    return jsonify(config=_config_json())


@bp.post("/accounts")
def add_account() -> Response:
    """Add an account: JSON `token`, `service`, `username`, `points`, `callback_url`."""
    body = _json()
    if not body.get("token") or not body.get("username"):
        return _problem(400, "token and username are required")
    account = _simulator().state.add_account(
        body["token"], body.get("service", "pl"), body["username"],
        Decimal(str(body.get("points", "100"))), body.get("callback_url"),
    )
    response = jsonify(account.as_json())
    response.status_code = 201
    return response


@bp.post("/accounts/<username>")
def update_account(username: str) -> Response:
    """Change an account's `points` balance or `callback_url`."""
    state = _simulator().state
    account = state.account_named(username)
    if account is None:
        return _problem(404, f"no account {username!r}")
    body = _json()
    with state.lock:
        if "points" in body:
            account.points = Decimal(str(body["points"]))
        if "callback_url" in body:
            account.callback_url = body["callback_url"] or None
    return jsonify(account.as_json())


@bp.post("/accounts/<username>/sendernames/<name>/<decision>")
def decide_sender_name(username: str, name: str, decision: str) -> Response:
    """Approve or reject a pending sender name (`decision` is `approve` or `reject`)."""
    state = _simulator().state
    account = state.account_named(username)
    record = account.sender_names.get(name) if account else None
    if record is None or decision not in ("approve", "reject"):
        return _problem(404, f"no sender name {name!r} for {username!r}")
    state.decide(record, approve=decision == "approve")
    return jsonify(record.as_json())
