"""Configuration: one pydantic-settings model read from a TOML file and `COS_*` environment variables.

Precedence (highest first): environment variables, the config file (`COS_CONFIG`, else
`<user config dir>/chief-of-staff/config.toml`), the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from chief_of_staff.errors import ConfigError
from chief_of_staff.postgres import SCHEMES, PostgresSchema

APP_NAME = "chief-of-staff"


def default_config_file() -> Path:
    return Path(os.environ.get("COS_CONFIG") or Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml")


class BudgetCaps(BaseModel):
    """Spend caps of a cloud tier in US dollars; None means no cap, 0 means never spend."""

    model_config = ConfigDict(extra="forbid")

    daily_usd: float | None = Field(1.0, ge=0, description="Most spent per calendar day (local time).")
    monthly_usd: float | None = Field(20.0, ge=0, description="Most spent per calendar month (local time).")


class DepartmentCaps(BudgetCaps):
    """A department's own caps over both cloud tiers; unset means only the tiers' caps apply."""

    daily_usd: float | None = Field(None, ge=0, description="Most spent per calendar day (local time).")
    monthly_usd: float | None = Field(None, ge=0, description="Most spent per calendar month (local time).")


class Budgets(BaseModel):
    """Caps per cloud tier and per department; a call must fit every cap that applies to it."""

    model_config = ConfigDict(extra="forbid")

    sonnet: BudgetCaps = Field(default_factory=BudgetCaps)
    opus: BudgetCaps = Field(default_factory=BudgetCaps)
    departments: dict[str, DepartmentCaps] = Field(default_factory=dict, description="Extra caps per department.")


class Settings(BaseSettings):
    """Every knob of the Chief of Staff, with its default."""

    model_config = SettingsConfigDict(env_prefix="COS_", env_nested_delimiter="__", extra="ignore")

    backend: Literal["llamacpp", "transformers", "ollama", "openai"] = Field(
        "llamacpp", description="Local model runtime: llama.cpp in-process (fast, the default), transformers "
        "in-process (training and evaluation use it), an Ollama server, or any OpenAI-compatible server (vLLM, "
        "SGLang, llama-server) at openai_base_url."
    )
    model: str = Field(
        "qwen2.5-coder-1.5b",
        description="A catalogue model (`cos models list`: 'qwen2.5-coder-1.5b', the recommended default, or "
        "'smollm2-135m', the tiny one shipped with the project, also called 'embedded'), a GGUF file (llamacpp, or "
        "transformers through a converted cache), a transformers model folder, or an Ollama model name when "
        "backend='ollama'. `cos models use` sets it. Left unset, a machine without the default model installed, "
        "or without the memory for it, answers on smollm2-135m and says so.",
    )
    models_dir: Path | None = Field(None, description="Where `cos models pull` installs models (default: "
                                    "<data_dir>/models).")
    catalogue_file: Path | None = Field(None, description="Your own model catalogue entries (TOML, the form of "
                                        "the shipped catalogue.toml); they add to or replace the shipped ones.")
    train_model: str = Field(
        "", description="The transformers form of `model` (a Hugging Face folder with the same weights as the "
        "served GGUF) for training, evaluating and exporting adapters; empty: `model` itself (the embedded model, "
        "or a GGUF that transformers can read)."
    )
    context_size: int = Field(4096, ge=256, le=131072, description="Tokens of context per answer on llama.cpp "
                              "(prompt and answer together).")
    parallel: int = Field(4, ge=1, le=64, description="Answers `cos serve` generates at once on llama.cpp, each in "
                          "its own slot of context_size tokens.")
    threads: int = Field(0, ge=0, le=512, description="CPU threads llama.cpp uses; 0: its own choice.")
    device: Literal["auto", "cpu", "cuda", "mps"] = Field("auto", description="Where transformers runs the model.")
    ollama_host: str = Field("http://127.0.0.1:11434", description="Ollama server address.")
    ollama_context_window: int = Field(8192, gt=0, description="Context window assumed for an Ollama model.")
    openai_base_url: str = Field(
        "", description="The OpenAI-compatible model server when backend='openai', e.g. http://gpu-box:8000/v1 "
        "(COS_OPENAI_BASE_URL)."
    )
    openai_api_key: str = Field("", description="The key that model server wants, if any (COS_OPENAI_API_KEY).")
    openai_adapters: Literal["model", "lora", "none"] = Field(
        "model", description="How that server picks a department's adapter: 'model' (vLLM, SGLang: the adapter "
        "served under the department's name is asked for as the model), 'lora' (llama-server: the per-request "
        "`lora` field, adapters matched by file name), or 'none'."
    )
    openai_context_window: int = Field(8192, gt=0, description="Context window assumed for the model server's "
                                       "model, unless the server says (vLLM's max_model_len).")
    use_model_cache: bool = Field(
        True, description="Load the embedded model from its safetensors cache (converted once from the GGUF)."
    )
    max_new_tokens: int = Field(192, gt=0, le=4096, description="Most tokens generated per answer.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="0 means greedy decoding (reproducible).")
    repetition_penalty: float = Field(
        1.15, ge=1.0, le=2.0, description="Penalty on tokens already generated (small models loop without it)."
    )
    tool_pick: Literal["auto", "model", "text-order"] = Field(
        "auto", description="Who picks among a department tool's candidate calls: the local model (under a JSON "
        "schema), the task's text order, or auto (text order on models under 1B parameters, where it measured "
        "better).")
    history_turns: int = Field(6, ge=0, description="Earlier messages of the thread sent with each task.")
    departments_path: str = Field(
        "", description="Extra department folders' parents, separated by os.pathsep (COS_DEPARTMENTS_PATH)."
    )
    strict_plugins: bool = Field(False, description="Stop on a broken department plugin instead of skipping it.")
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)),
        description="Conversation threads (SQLite) live here.",
    )
    database_url: str = Field(
        "", description="postgresql://user:password@host:port/database (COS_DATABASE_URL): threads, scorecards "
        "and the spend ledger in PostgreSQL, shared by several `cos serve` processes; empty: SQLite files in the "
        "data dir."
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME)),
        description="The converted model cache (safetensors) lives here.",
    )

    offline: bool = Field(False, description="Never call Claude: escalations answer locally, marked.")
    budgets: Budgets = Field(default_factory=Budgets, description="Cloud spend caps (COS_BUDGETS__SONNET__DAILY_USD).")
    critical_amount: float = Field(1000.0, ge=0, description="A task naming a larger sum of money is critical.")
    target_accuracy: float = Field(0.9, gt=0, le=1, description="Calibration target for the local answers.")
    confidence_method: Literal["quantile", "min", "mean"] = Field(
        "quantile", description="Statistic of the answer's token log-probs used as confidence."
    )
    confidence_quantile: float = Field(0.1, ge=0, le=1, description="Which quantile, for the 'quantile' method.")
    agreement_samples: int = Field(
        0, ge=0, le=16, description="Extra sampled answers compared for agreement (0: log-probs only)."
    )
    prices_file: Path | None = Field(None, description="Your own Claude price table (default: the shipped one).")
    cloud_max_tokens: int = Field(1024, gt=0, le=32000, description="Most tokens Claude may write per answer.")
    claude_timeout_s: float = Field(60.0, gt=0, description="Claude request timeout (the SDK's).")
    claude_max_retries: int = Field(2, ge=0, le=10, description="Retries on 429, 5xx and timeouts (the SDK's).")

    api_token: str = Field(
        "", description="Bearer token every HTTP request to `cos serve` must carry (COS_API_TOKEN); required to "
        "bind any address other than loopback."
    )
    max_body_bytes: int = Field(1_000_000, gt=0, description="Largest HTTP request body `cos serve` accepts (413).")
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed to call `cos serve` (CORS); empty: no CORS."
    )

    @field_validator("openai_base_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if url and not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https:// (the server's OpenAI API root, e.g. "
                             "http://127.0.0.1:8000/v1)")
        return url.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, url: str) -> str:
        if url and not url.startswith(SCHEMES):
            raise ValueError("must start with postgresql:// (only PostgreSQL is supported besides the SQLite default)")
        return url

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, default_config_file()))

    @property
    def extra_department_dirs(self) -> list[Path]:
        return [Path(p).expanduser() for p in self.departments_path.split(os.pathsep) if p.strip()]

    @property
    def training_model(self) -> str:
        """What training, evaluation and adapter export load on transformers."""
        return self.train_model or self.model

    @property
    def models_folder(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    @property
    def model_is_remote(self) -> bool:
        """True when a server (Ollama, an OpenAI-compatible one) holds the model, not this machine."""
        return self.backend in ("ollama", "openai")

    @property
    def model_is_default(self) -> bool:
        """True when neither the config file nor COS_MODEL chose the model."""
        return "model" not in self.model_fields_set

    @property
    def threads_db(self) -> Path:
        return self.data_dir / "threads.sqlite"

    @property
    def threads_store(self) -> Path | PostgresSchema:
        """Where conversation threads live: PostgreSQL with a database URL, else the SQLite file."""
        return PostgresSchema(self.database_url, "cos_threads") if self.database_url else self.threads_db

    @property
    def calibration_store(self) -> Path | PostgresSchema:
        """Where calibrated thresholds live: PostgreSQL with a database URL (one for every replica), else files in
        the data dir."""
        return PostgresSchema(self.database_url, "cos_calibrations") if self.database_url else self.data_dir

    @property
    def ledger_db(self) -> Path:
        return self.data_dir / "ledger.sqlite"

    @property
    def ledger_store(self) -> Path | PostgresSchema:
        """Where the spend ledger lives: PostgreSQL with a database URL (shared by replicas), else SQLite."""
        return PostgresSchema(self.database_url, "cos_ledger") if self.database_url else self.ledger_db


def load_settings(fallback: bool = True, **overrides: object) -> Settings:
    """Settings from file and environment; a bad value becomes a ConfigError naming it. Left to its default, the
    model is the tiny one where the recommended one is not installed or does not fit, unless `fallback` is False
    (catalogue.py)."""
    from chief_of_staff.models.catalogue import with_available_default

    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']} (got {err.get('input')!r})" for err in exc.errors()
        )
        raise ConfigError(f"bad configuration in {default_config_file()} or COS_* variables: {problems}") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read configuration file {default_config_file()}: {exc}") from exc
    return with_available_default(settings) if fallback else settings


def set_config_value(key: str, value: str) -> Path:
    """Write top-level `key = "value"` into the config file, keeping everything else in it; returns the file."""
    import json
    import re

    path = default_config_file()
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    line = f"{key} = {json.dumps(value)}"  # a JSON string is a valid TOML basic string
    table = re.search(r"^\s*\[", text, flags=re.MULTILINE)
    top, rest = (text[:table.start()], text[table.start():]) if table else (text, "")
    pattern = re.compile(rf"^{re.escape(key)}\s*=.*$", flags=re.MULTILINE)
    top = pattern.sub(lambda _: line, top, count=1) if pattern.search(top) else f"{line}\n{top}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(top + rest, encoding="utf-8")
    tmp.replace(path)
    return path
