"""Chief of Staff: routes a task to a department agent answering on a local model."""

import os

# Nothing here may reach a model hub at run time: every model comes from an installed wheel or a local folder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

__version__ = "0.1.0"
