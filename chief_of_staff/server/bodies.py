"""Request bodies as the endpoints read them: JSON into a pydantic model whatever the Content-Type (as Ollama
does), and our own small urlencoded forms.

Forms are parsed with the standard library rather than python-multipart (FastAPI's `Form`): the pages post one
or two short fields, and the body is already capped by RequestGuard.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError


def json_body(model: type[BaseModel]):
    """The body parsed as JSON whatever its Content-Type (`curl -d '{...}'` sends a form type)."""

    async def parse(request: Request) -> BaseModel:
        try:
            return model.model_validate_json(await request.body() or b"null")
        except ValidationError as exc:  # malformed JSON or a missing field: 400, naming it (app.bad_request)
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc

    return Depends(parse)


async def form_fields(request: Request) -> dict[str, str]:
    """An urlencoded form's fields, the first value of each."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    return {name: values[0] for name, values in fields.items()}
