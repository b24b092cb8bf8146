"""The installed package enables both halves: the prebuilt labextension and the server extension.

`make install` builds the labextension (npm ci + jupyter-builder) and pip installs it with the server
config as shared data; these run the real ``jupyter`` commands against this environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from workbench import __version__

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def jupyter(*args: str, config_dir: Path) -> str:
    # A fresh user config dir: only what the package installed counts, not this machine's settings.
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return ANSI.sub("", result.stdout + result.stderr)


def test_the_labextension_is_installed_and_enabled(tmp_path: Path) -> None:
    listing = jupyter("labextension", "list", config_dir=tmp_path)
    assert re.search(
        rf"kube-workbench v{re.escape(__version__)} enabled OK \(python, kube-workbench\)", listing
    ), f"run `make install` to build and install the extension:\n{listing}"


def test_the_server_extension_is_enabled_and_valid(tmp_path: Path) -> None:
    listing = jupyter("server", "extension", "list", config_dir=tmp_path)
    assert re.search(r"workbench\.server enabled", listing), listing
    assert re.search(rf"workbench\.server {re.escape(__version__)} OK", listing), listing
