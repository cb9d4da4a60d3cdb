"""The recommended default, qwen2.5-coder-1.5b as scripts/setup.sh installs it, answering through `cos ask` as a
user runs it: the only test on the 1.5B (the others keep the tiny model for speed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chief_of_staff.models.catalogue import RECOMMENDED, catalogue_entry
from chief_of_staff.settings import Settings

pytestmark = pytest.mark.slow
COS = str(Path(sys.executable).with_name("cos"))
USER_MODELS = Settings().models_folder  # read before the tests' isolation points COS_MODELS_DIR elsewhere
TASK = ("Triage this email sent to our bakery. Is it phishing, fraud, or safe?\n\n"
        "Microsoft 365: your mailbox password expires today. Keep your password by signing in within 2 hours at "
        "microsoft365-password-keep.com/login or your email will be deleted.\n\n"
        "Answer with one word: PHISHING, FRAUD or SAFE.")


def test_the_default_model_is_the_recommended_one_and_answers(monkeypatch):
    if catalogue_entry(RECOMMENDED).installed_path(USER_MODELS) is None:
        if os.environ.get("COS_SKIP_RECOMMENDED"):
            pytest.skip("COS_SKIP_RECOMMENDED: setup did not install the recommended model")
        pytest.fail(f"{RECOMMENDED} is not installed in {USER_MODELS}: scripts/setup.sh installs it")
    monkeypatch.delenv("COS_MODEL")  # the default, as a new user has it
    monkeypatch.setenv("COS_MODELS_DIR", str(USER_MODELS))
    monkeypatch.setenv("COS_MAX_NEW_TOKENS", "24")
    result = subprocess.run([COS, "ask", "--json", "--offline", TASK], capture_output=True, text=True, timeout=300,
                            env=os.environ)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert (row["model"], row["backend"], row["department"]) == ("Qwen2.5-Coder-1.5B-Instruct", "llamacpp",
                                                                  "security")
    assert "phishing" in row["answer"].lower(), row["answer"]
    assert "answering on smollm2-135m" not in result.stderr
