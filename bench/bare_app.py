"""The ceiling for bench/dlr.py: a Flask app whose only endpoint answers `OK`, served like the portal."""

from flask import Flask

app = Flask(__name__)


@app.route("/api/smsApi/update", methods=["GET", "POST"])
def update():
    return "OK", 200, {"Content-Type": "text/plain"}
