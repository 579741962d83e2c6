"""A message has a ceiling, the preview's cost stays bounded, and an oversized request is a 413
that blames the request."""

import io

from flask import Blueprint

from portal.campaigns.service import MAX_MESSAGE_CHARACTERS, build_preview
from portal.request_limits import accepts_uploads

HTMX = {"HX-Request": "true"}
EMOJI = "😀"


def test_preview_of_a_huge_paste_is_bounded_and_says_too_long(member_client):
    text = EMOJI * 15_000  # 180 kB of form data, under the request limit
    response = member_client.post(
        "/campaigns/new", data={"name": "x", "message": text, "action": "preview"}, headers=HTMX
    )
    assert response.status_code == 200
    assert len(response.data) < 400_000
    assert "Far too long to send: this text has 15000 characters" in response.data.decode()


def test_preview_analyses_no_more_than_the_ceiling():
    preview = build_preview(EMOJI * 100_000, max_parts=6)
    shown = sum(len(piece.text) for part in preview.split for piece in part.pieces)
    assert shown <= MAX_MESSAGE_CHARACTERS
    assert preview.problem.startswith("Far too long")


def test_a_message_over_the_ceiling_is_not_saved(member_client):
    response = member_client.post(
        "/campaigns/new", data={"name": "x", "message": "a" * (MAX_MESSAGE_CHARACTERS + 1), "action": "save"}
    )
    assert response.status_code == 422
    assert "Far too long to send" in response.data.decode()


def test_a_ten_megabyte_post_is_refused_with_413_blaming_the_request(member_client):
    response = member_client.post(
        "/campaigns/new", data={"name": "x", "message": "a" * 10_000_000, "action": "preview"}
    )
    assert response.status_code == 413
    page = response.data.decode()
    assert "more than the portal accepts" in page
    assert "on our side" not in page


def test_views_that_take_uploads_get_the_larger_limit(app, client):
    uploads = Blueprint("upload_probe", __name__)

    @uploads.route("/upload-probe", methods=["POST"])
    @accepts_uploads
    def probe():
        from flask import request

        return str(len(request.files["file"].read()))

    app.register_blueprint(uploads)

    big = io.BytesIO(b"phone\n" + b"+48500100200\n" * 100_000)  # 1.3 MB
    response = client.post("/upload-probe", data={"file": (big, "contacts.csv")})
    assert response.status_code == 200
    assert int(response.data) > app.config["MAX_CONTENT_LENGTH"]
