"""`cos serve`: the Chief of Staff over HTTP: web pages for a browser, and Ollama's API for its clients."""

from __future__ import annotations

from typing import Annotated

import typer

from chief_of_staff.cli.common import err, user_errors
from chief_of_staff.settings import load_settings

DEFAULT_HOST = "127.0.0.1"  # kept equal to server.app's: importing it would load FastAPI for every `cos` command
DEFAULT_PORT = 11435


@user_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; any but loopback needs COS_API_TOKEN.")] = (
        DEFAULT_HOST
    ),
    port: Annotated[int, typer.Option(help="Port to listen on (Ollama's is 11434).")] = DEFAULT_PORT,
) -> None:
    import uvicorn

    from chief_of_staff.server.app import server_config

    settings = load_settings()
    config = server_config(settings, host, port)  # refuses an open address without a token, before the model loads
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    err.print(f"Chief of Staff on [bold]{url}[/] (loading the model first; Ctrl-C stops)")
    err.print(f"In a browser: [bold]{url}/chat[/], /scorecard, /departments, /costs")
    err.print(f"Ollama clients: [bold]OLLAMA_HOST={url}[/] and model [bold]cos[/] (routed) or "
              "[bold]cos-<department>[/] (`ollama list` shows them)")
    if settings.api_token:
        err.print("Every request needs the header [bold]Authorization: Bearer $COS_API_TOKEN[/]; a browser signs in "
                  "once with the token at /login")
    uvicorn.Server(config).run()
