"""Chief of Staff: routes a task to a department agent answering on a local model."""

__version__ = "0.1.0"
