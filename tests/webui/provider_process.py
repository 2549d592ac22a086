"""Start the OpenID Connect provider of tests/webui/oidc_provider.py in a process of its own.

Apart from that script, so that the tests' own process never imports the provider (its imports of
Authlib's JOSE modules raise deprecation warnings, which the test run treats as errors).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

SCRIPT = Path(__file__).with_name("oidc_provider.py")


def start_provider(*args: str) -> Iterator[str]:
    """Run the provider in a process of its own; yield its issuer URL, then stop it."""
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening on "), f"the provider did not start: {line!r}"
        yield line.removeprefix("listening on ").strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
