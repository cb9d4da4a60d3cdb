"""`cos models list/pull/use`: a catalogue model installs from a package index through pip, pinned to its wheels'
hashes and its own SHA-256, resumes after an interruption, and never leaves a half-written model in place.
The index is a real HTTP server on 127.0.0.1 (tests/fakes/package_index.py) serving wheels built here."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.models.embedded import embedded_gguf
from tests.fakes.package_index import PackageIndex, build_wheel, sha256

runner = CliRunner()
NAME = "shop-model"


def split_into_wheels(data: bytes, parts: int, folder: Path, project: str = "shop-model-part") -> list[dict]:
    """Wheels `<project>N` 0.1.0 each holding one slice of `data` as data/partNN.bin, as catalogue parts."""
    size = -(-len(data) // parts)
    rows = []
    for n in range(1, parts + 1):
        module = f"{project}{n}".replace("-", "_")
        member = f"{module}/data/part{n:02d}.bin"
        wheel = build_wheel(folder, f"{project}{n}", "0.1.0", {member: data[(n - 1) * size:n * size]})
        rows.append({"requirement": f"{project}{n}==0.1.0", "sha256": sha256(wheel), "member": member,
                     "wheel": wheel})
    return rows


def write_catalogue(path: Path, data: bytes, parts: list[dict], **changes) -> Path:
    entry = {"title": "Shop Model", "quantisation": "Q4_1", "licence": "Apache-2.0", "source": "test wheels",
             "file_name": "shop-model.gguf", "size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
             "chat_template": "chatml", "context_length": 8192, "stop": ["<|im_end|>"], "memory_mib": 64, **changes}
    lines = [f"[models.{NAME}]"] + [f"{key} = {json.dumps(value)}" for key, value in entry.items()]
    lines.append("parts = [" + ", ".join(
        f'{{ requirement = "{p["requirement"]}", sha256 = "{p["sha256"]}", member = "{p["member"]}" }}'
        for p in parts) + "]")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture()
def shop_model(tmp_path, monkeypatch):
    """Three wheels of random bytes on a local index, a catalogue entry for them, pip pointed at the index."""
    data = os.urandom(300_000)
    parts = split_into_wheels(data, 3, tmp_path)
    monkeypatch.setenv("COS_CATALOGUE_FILE", str(write_catalogue(tmp_path / "catalogue.toml", data, parts)))
    monkeypatch.setenv("COS_MODELS_DIR", str(tmp_path / "models"))
    with PackageIndex([p["wheel"] for p in parts]) as index:
        for var in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # only this index: not the machine's pip config
        monkeypatch.setenv("PIP_INDEX_URL", index.url)
        monkeypatch.setenv("PIP_TRUSTED_HOST", "127.0.0.1")
        monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
        yield index, data, parts, tmp_path / "models" / NAME


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


def test_pull_assembles_the_pinned_parts_and_installs_the_model(shop_model):
    index, data, parts, folder = shop_model
    result = runner.invoke(app, ["models", "pull", NAME])
    assert result.exit_code == 0, result.output
    assert "SHA-256 verified" in result.stdout
    assert (folder / "shop-model.gguf").read_bytes() == data
    assert leftovers(folder) == ["shop-model.gguf"]  # no wheels, no partial file
    assert index.served == [p["wheel"].name for p in parts]
    listed = {row["name"]: row for row in json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout)}
    assert listed[NAME]["installed"] == str(folder / "shop-model.gguf")
    assert listed[NAME]["sha256"] == hashlib.sha256(data).hexdigest() and listed[NAME]["stop"] == ["<|im_end|>"]
    again = runner.invoke(app, ["models", "pull", NAME])
    assert again.exit_code == 0 and "is installed" in again.stdout and len(index.served) == 3


def test_a_wheel_that_does_not_match_its_pinned_hash_is_refused(shop_model):
    index, _, parts, folder = shop_model
    index.tampered[parts[1]["wheel"].name] = parts[0]["wheel"].read_bytes()  # a valid wheel, not the pinned one
    result = runner.invoke(app, ["models", "pull", NAME])
    assert result.exit_code == 2
    assert "part 2 of 3 (shop-model-part2==0.1.0)" in result.stderr and "pinned SHA-256" in result.stderr
    assert not (folder / "shop-model.gguf").exists() and not (folder / "shop-model.gguf.partial").exists()


def test_an_assembled_file_with_another_sha256_is_refused(shop_model, tmp_path, monkeypatch):
    _, data, parts, folder = shop_model
    write_catalogue(tmp_path / "catalogue.toml", data, parts, sha256="0" * 64)
    result = runner.invoke(app, ["models", "pull", NAME])
    assert result.exit_code == 2 and "is not the model the catalogue records" in result.stderr
    assert not (folder / "shop-model.gguf").exists() and not (folder / "shop-model.gguf.partial").exists()


def test_a_missing_part_stops_the_pull_and_the_next_pull_resumes(shop_model):
    index, data, parts, folder = shop_model
    index.hidden.add("shop-model-part3")
    result = runner.invoke(app, ["models", "pull", NAME])
    assert result.exit_code == 2
    assert "part 3 of 3 (shop-model-part3==0.1.0) is not on the package index" in result.stderr
    assert not (folder / "shop-model.gguf").exists()
    index.hidden.clear()
    assert runner.invoke(app, ["models", "pull", NAME]).exit_code == 0
    assert (folder / "shop-model.gguf").read_bytes() == data
    assert index.served.count(parts[0]["wheel"].name) == 1  # parts 1 and 2 were kept, not fetched again


def test_an_interrupted_pull_leaves_no_model_and_resumes(shop_model):
    index, data, parts, folder = shop_model
    index.stall = parts[1]["wheel"].name
    cos = Path(sys.executable).with_name("cos")
    pull = subprocess.Popen([str(cos), "models", "pull", NAME], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    assert index.stalled.wait(60), "the pull never asked for part 2"
    os.killpg(pull.pid, signal.SIGINT)  # Ctrl-C reaches pip and cos alike, as in a terminal
    _, stderr = pull.communicate(timeout=60)
    assert pull.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not (folder / "shop-model.gguf").exists()
    assert [p.name for p in (folder / ".wheels").glob("*.whl")] == [parts[0]["wheel"].name]
    index.stall = None
    index.release.set()
    assert runner.invoke(app, ["models", "pull", NAME]).exit_code == 0
    assert (folder / "shop-model.gguf").read_bytes() == data
    assert index.served.count(parts[0]["wheel"].name) == 1


def test_unknown_names_are_refused_with_the_known_ones(shop_model):
    for command in (["models", "pull", "gpt-5"], ["models", "use", "gpt-5"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "gpt-5" in result.stderr
        assert "qwen2.5-coder-1.5b" in result.stderr or "catalogue model" in result.stderr


def test_use_refuses_a_model_that_is_not_installed(shop_model, isolated_config):
    result = runner.invoke(app, ["models", "use", NAME])
    assert result.exit_code == 2 and f"cos models pull {NAME}" in result.stderr
    assert not (isolated_config / "config.toml").exists()


def test_a_pulled_model_answers_after_models_use(tmp_path, monkeypatch, isolated_config):
    """The whole path on a real GGUF: the embedded model split into three wheels, pulled, chosen, answering."""
    data = embedded_gguf().read_bytes()
    parts = split_into_wheels(data, 3, tmp_path)
    monkeypatch.setenv("COS_CATALOGUE_FILE", str(write_catalogue(tmp_path / "catalogue.toml", data, parts)))
    monkeypatch.setenv("COS_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("COS_MODEL", raising=False)
    with PackageIndex([p["wheel"] for p in parts]) as index:
        for var in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
        monkeypatch.setenv("PIP_INDEX_URL", index.url)
        monkeypatch.setenv("PIP_TRUSTED_HOST", "127.0.0.1")
        assert runner.invoke(app, ["models", "pull", NAME]).exit_code == 0
    used = runner.invoke(app, ["models", "use", NAME])
    assert used.exit_code == 0 and "Shop Model" in used.stdout, used.output
    assert (isolated_config / "config.toml").read_text().startswith(f'model = "{NAME}"')
    monkeypatch.setenv("COS_MAX_NEW_TOKENS", "5")
    answered = runner.invoke(app, ["ask", "--json", "--offline", "Write a tweet about our bread"])
    assert answered.exit_code == 0, answered.output
    assert '"model": "Shop Model"' in answered.stdout and '"backend": "llamacpp"' in answered.stdout
