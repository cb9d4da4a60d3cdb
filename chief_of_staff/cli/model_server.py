"""`cos models serve`: the local model and every department's adapter as one OpenAI-compatible server
(llama-server's engine, from the xllamacpp wheel), for `cos serve` replicas with COS_BACKEND=openai.

A team puts this on its GPU (or biggest) machine and points every replica at it. The adapters are the same GGUF
exports the in-process backend loads, copied under the departments' names, so replicas with
COS_OPENAI_ADAPTERS=lora match them by file name (models/openai_chat.py).
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from typing import Annotated

import typer

from chief_of_staff.cli.common import err, loading, user_errors
from chief_of_staff.errors import ConfigError

DEFAULT_PORT = 8080  # llama-server's


@user_errors
def serve_model(
    host: Annotated[str, typer.Option(help="Address to listen on; any but loopback needs --api-key.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    api_key: Annotated[str, typer.Option(envvar="COS_OPENAI_API_KEY", show_envvar=True,
                                         help="The key every request must carry (Bearer).")] = "",
    parallel: Annotated[int | None, typer.Option(min=1, max=64, help="Answers at once (default: COS_PARALLEL).")]
    = None,
) -> None:
    from chief_of_staff.models.catalogue import served_model_key
    from chief_of_staff.models.embedded import gguf_display_name
    from chief_of_staff.models.factory import engine_config
    from chief_of_staff.models.llamacpp_engine import EngineAdapter, LlamaEngine
    from chief_of_staff.plugins.discovery import discover_departments
    from chief_of_staff.server.security import is_loopback
    from chief_of_staff.settings import load_settings

    if not is_loopback(host) and not api_key:
        raise ConfigError(f"refusing to bind {host} without a key: anyone on the network could use the model. "
                          "Pass --api-key (or COS_OPENAI_API_KEY) and give the replicas the same one, or bind "
                          "127.0.0.1")
    settings = load_settings()
    if settings.backend != "llamacpp":
        raise ConfigError(f"`cos models serve` serves a GGUF on llama.cpp, and COS_BACKEND is {settings.backend!r}: "
                          "run it where the model file is, with the default backend")
    with loading("Loading the model and the departments' adapters"):
        config = engine_config(settings, discover_departments(settings).departments, parallel or settings.parallel)
        folder = settings.cache_dir / "served-adapters" / served_model_key(settings)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        named = tuple(EngineAdapter(a.department, shutil.copy(a.gguf, folder / f"{a.department}.gguf"), a.params)
                      for a in config.adapters)
        name = gguf_display_name(config.model, settings.catalogue_file)  # as the in-process backend names it
        engine = LlamaEngine(replace(config, adapters=named, saved_prompts=None, host=host, port=port,
                                     api_key=api_key, served_name=name))
    url = f"{engine.address}/v1"
    err.print(f"model [bold]{name}[/] on [bold]{url}[/] ({config.parallel} at once; Ctrl-C stops)")
    err.print(f"adapters: {', '.join(a.department for a in named) or 'none trained yet'}")
    err.print(f"replicas: COS_BACKEND=openai COS_OPENAI_BASE_URL={url} COS_OPENAI_ADAPTERS=lora"
              + (" COS_OPENAI_API_KEY=<the key>" if api_key else ""))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        err.print("stopped")
