"""OpenAPI documentation of the file exports (CSV attachments, FIX messages)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import StreamingResponse

from api.schemas.common import error_responses

CSV_EXAMPLE = ("position_id,symbol,quantity,price,tags\r\n"
               "42,AAPL,1000.0,195.25,core;tech\r\n"
               "43,=cmd,10.0,1.5,'=HYPERLINK(\"http://x\",\"y\")\r\n")
FIX_EXAMPLE = ("8=FIX.4.4|9=132|35=D|49=SIGMASIGHT|56=BROKER|34=1|52=20261120-15:30:00.000|"
               "11=9f1c2a3b-1|55=MSFT|167=CS|54=1|60=20261120-15:30:00.000|38=12.5|40=1|59=0|"
               "10=093| (| stands for the SOH byte)")


class CsvAttachment(StreamingResponse):
    """A streamed CSV attachment (the routes' documented media type)."""

    media_type = "text/csv"


def file_responses(description: str, **examples: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses``: a 200 with an example per media type, plus the errors.

    Keyword names are media types with ``_`` for ``/`` (``text_csv``).
    """
    content = {media.replace("_", "/", 1).replace("_", "-"): {"example": example}
               for media, example in examples.items()}
    return {200: {"description": description, "content": content},
            **error_responses(401, 404, 422)}
