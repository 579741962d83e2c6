"""CSV downloads, streamed in chunks so memory stays flat however many rows there are."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, stream_with_context

CHUNK_CHARACTERS = 65536


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV attachment; `rows` is read lazily while the response is sent, inside the request."""

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so that Excel reads the file as UTF-8
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            if buffer.tell() > CHUNK_CHARACTERS:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
