"""Campaigns: compose, preview, launch and follow SMS campaigns."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

from portal.campaigns import launch_routes, routes  # noqa: E402,F401
