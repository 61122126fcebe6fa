"""How every step reports progress and runs its tools (npm, pip, esbuild, workbox, uv): from the project root, and a
failure stops the build with a message that says what to check."""

import os
import subprocess
import sys

from build_steps.paths import ROOT


def say(message):
    print(f"build: {message}", flush=True)


def run(command, env=None, what=""):
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        sys.exit(f"build: failed: {what or ' '.join(command)}")
