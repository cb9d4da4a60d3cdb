"""Domain errors: each carries a message a user can act on. Only cli/ turns them into exit codes."""

from __future__ import annotations

from chief_of_staff.models.cloud_usage import ClaudeUsage


class ChiefOfStaffError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class ConfigError(ChiefOfStaffError):
    """The configuration file or a COS_* variable holds a bad value."""


class ModelNotFoundError(ChiefOfStaffError):
    """The local model (embedded GGUF, cache or Ollama model) cannot be found."""


class ModelLoadError(ChiefOfStaffError):
    """The local model exists but cannot be loaded."""


class BackendUnavailableError(ChiefOfStaffError):
    """A model server (Ollama, an OpenAI-compatible one) cannot be reached or refused the request."""


class StoreUnavailableError(ChiefOfStaffError):
    """The database holding threads, scorecards, the ledger or calibrations cannot be reached."""


class PluginError(ChiefOfStaffError):
    """A department plugin is broken; `path` names the file to fix."""

    def __init__(self, message: str, path: str = "", fix: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.fix = fix


class UnknownDepartmentError(ChiefOfStaffError):
    """A department was named that no plugin provides."""

    @classmethod
    def naming(cls, name: str, known: object) -> "UnknownDepartmentError":
        return cls(f"no department named {name!r}; choose one of: {', '.join(sorted(known))}")


class EmptyTaskError(ChiefOfStaffError):
    """The task has no text."""


class MissingProgramError(ChiefOfStaffError):
    """A program the command needs is not installed (the message says how to install it)."""


class InputError(ChiefOfStaffError):
    """Input that cannot be read: a missing or unreadable file, bytes that are not UTF-8."""


class CloudError(ChiefOfStaffError):
    """A call to Claude failed. `usage` is what the API had reported before the failure (None when nothing was),
    so the ledger charges only that; `retry_after` is the wait in seconds the API asked for, when it asked."""

    def __init__(self, message: str, usage: ClaudeUsage | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.usage = usage
        self.retry_after = retry_after


class CloudRateLimitedError(CloudError):
    """The Anthropic API kept answering 429 (rate limit) after the SDK's retries."""


class CloudServerError(CloudError):
    """The Anthropic API kept failing (5xx, 529 overloaded) after the SDK's retries, or failed mid-stream."""


class CloudTimeoutError(CloudError):
    """The Anthropic API did not answer within the timeout, after the SDK's retries."""


class CloudBadResponseError(CloudError):
    """The Anthropic API answered with a malformed body, or the stream was cut before message_stop."""


class CloudUnavailableError(CloudError):
    """Claude cannot be used: no API key, a rejected key, or the API cannot be reached."""


class SensitiveDataBlockedError(ChiefOfStaffError):
    """The payload holds sensitive data (or the thread is marked sensitive), so nothing was sent to the cloud.
    `kinds` names what was found (e.g. "payment_card"), never the values."""

    def __init__(self, message: str, kinds: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.kinds = kinds


class TurnCancelled(ChiefOfStaffError):
    """The user stopped the turn (Ctrl-C) while a node was still working in the background."""
