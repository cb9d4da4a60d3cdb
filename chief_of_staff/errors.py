"""Domain errors: each carries a message a user can act on. Only cli/ turns them into exit codes."""


class ChiefOfStaffError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class ConfigError(ChiefOfStaffError):
    """The configuration file or a COS_* variable holds a bad value."""


class ModelNotFoundError(ChiefOfStaffError):
    """The local model (embedded GGUF, cache or Ollama model) cannot be found."""


class ModelLoadError(ChiefOfStaffError):
    """The local model exists but cannot be loaded."""


class BackendUnavailableError(ChiefOfStaffError):
    """A model server (Ollama) cannot be reached or refused the request."""


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
