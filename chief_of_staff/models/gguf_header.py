"""What a GGUF file says about itself, read from its header before llama.cpp is asked to load it.

llama.cpp reports every load failure as one generic error ("Failed to init server"), and a crash in C++ takes
the process with it, so we check first: the file exists, is a GGUF, is complete, and holds an architecture that
llama.cpp knows (the `gguf` package's list mirrors llama.cpp's).

We read the key-value section ourselves instead of with `gguf.GGUFReader`, which parses every field and tensor
up front: 2.5 s for the embedded model's header against under 0.2 s here, most of it importing `gguf` (we
skip the 49,152-entry vocabulary without decoding it). Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from chief_of_staff.errors import ModelLoadError, ModelNotFoundError

MAGIC = b"GGUF"
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
WANTED = ("general.architecture", "general.name", "general.type", "general.file_type")
WANTED_SUFFIXES = (".context_length", ".block_count", ".embedding_length", ".attention.head_count",
                   ".attention.head_count_kv")


@dataclass(frozen=True)
class GgufHeader:
    """The facts the backend needs: what model this is and how big its context and KV cache are."""

    path: Path
    architecture: str
    name: str
    file_type: str  # "model" or "adapter"
    context_length: int | None
    block_count: int | None
    embedding_length: int | None
    head_count: int | None
    head_count_kv: int | None
    size_bytes: int
    parameters: int  # numbers in all the tensors, counted from the tensor table

    def kv_bytes_per_token(self) -> int:
        """F16 K and V for every layer: what one token of context costs in memory (an estimate)."""
        if not (self.block_count and self.embedding_length and self.head_count):
            return 0
        kv_dim = self.embedding_length * (self.head_count_kv or self.head_count) // self.head_count
        return 2 * self.block_count * kv_dim * 2


def _read(f: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize(fmt)
    raw = f.read(size)
    if len(raw) != size:
        raise EOFError("the file ends inside its header")
    return struct.unpack(fmt, raw)[0]


def _left(f: BinaryIO) -> int:
    """Bytes between the read position and the end of the file."""
    here = f.tell()
    end = f.seek(0, 2)
    f.seek(here)
    return end - here


def _string(f: BinaryIO) -> str:
    length = _read(f, "<Q")
    if length > _left(f):
        raise ValueError(f"a string of {length} bytes runs past the end of the file")
    raw = f.read(length)
    if len(raw) != length:
        raise EOFError("the file ends inside its header")
    return raw.decode("utf-8", errors="replace")


def _value(f: BinaryIO, kind: int, keep: bool) -> Any:
    if kind == _STRING:
        return _string(f)
    if kind == _ARRAY:
        item_kind, count = _read(f, "<I"), _read(f, "<Q")
        if item_kind in _SCALARS:  # fixed size: skip in one seek
            size = count * struct.calcsize(_SCALARS[item_kind])
            if size > _left(f):
                raise ValueError(f"an array of {count} items runs past the end of the file")
            f.seek(size, 1)
        else:
            for _ in range(count):
                _value(f, item_kind, False)
        return None
    if kind not in _SCALARS:
        raise ValueError(f"unknown value type {kind}")
    return _read(f, _SCALARS[kind])


def read_header(path: Path) -> GgufHeader:
    """The header of the GGUF at `path`; ModelNotFoundError or ModelLoadError naming what is wrong."""
    if not path.is_file():
        raise ModelNotFoundError(f"no model file at {path}: check the path, or run `cos models use embedded`")
    found: dict[str, Any] = {}
    try:
        with path.open("rb") as f:
            if f.read(4) != MAGIC:
                raise ModelLoadError(f"{path} is not a GGUF model file (it does not start with 'GGUF'); "
                                     "convert the model with llama.cpp's convert_hf_to_gguf.py")
            version, _tensors, kv_count = _read(f, "<I"), _read(f, "<Q"), _read(f, "<Q")
            if version < 2:
                raise ModelLoadError(f"{path} is GGUF version {version}; llama.cpp reads version 2 and later")
            for _ in range(kv_count):
                key, kind = _string(f), _read(f, "<I")
                keep = key in WANTED or key.endswith(WANTED_SUFFIXES)
                value = _value(f, kind, keep)
                if keep:
                    found[key] = value
            parameters = 0
            for _ in range(_tensors):  # name, dimensions, type, offset
                _string(f)
                dims = _read(f, "<I")
                if dims > 8:
                    raise ValueError(f"a tensor with {dims} dimensions")
                parameters += math.prod(_read(f, "<Q") for _ in range(dims))
                _read(f, "<I"), _read(f, "<Q")
    except (EOFError, ValueError, OSError, OverflowError, MemoryError, struct.error) as exc:
        raise ModelLoadError(f"{path} is a damaged or incomplete GGUF file ({exc}); download or copy it again") \
            from exc
    return _header(path, found, parameters)


def _header(path: Path, found: dict[str, Any], parameters: int) -> GgufHeader:
    from gguf import MODEL_ARCH_NAMES

    arch = found.get("general.architecture")
    if not arch:
        raise ModelLoadError(f"{path} names no architecture (general.architecture): it is not a model llama.cpp "
                             "can load")
    kind = found.get("general.type") or "model"
    if kind == "model" and arch not in MODEL_ARCH_NAMES.values():
        raise ModelLoadError(f"{path} is a {arch!r} model, an architecture llama.cpp does not support; "
                             "choose a GGUF of a supported architecture (llama, qwen2, mistral, gemma, phi3, ...)")

    def number(suffix: str) -> int | None:
        value = found.get(f"{arch}{suffix}")
        return int(value) if isinstance(value, int | float) else None

    return GgufHeader(
        path=path, architecture=arch, name=str(found.get("general.name") or path.stem), file_type=kind,
        context_length=number(".context_length"), block_count=number(".block_count"),
        embedding_length=number(".embedding_length"), head_count=number(".attention.head_count"),
        head_count_kv=number(".attention.head_count_kv"), size_bytes=path.stat().st_size, parameters=parameters,
    )
