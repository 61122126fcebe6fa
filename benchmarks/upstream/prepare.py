"""What the upstream suites need, cached under .cache/upstream/: the source distributions, the support files that
Datasette's lacks, a virtualenv of their own with the test extras, and this project installed into it."""

import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "upstream"
VENV = CACHE / "venv"
PYTHON = VENV / "bin" / "python"
DATASETTE = "datasette==1.0a41"
SQLITE_UTILS = "sqlite-utils==4.2.1"
# Datasette's sdist ships tests/test_*.py without what they import and read; its repository has them. The search
# tool's `fetch github:simonw/datasette` leaves a snapshot (1.0a37) here; taken only where the sdist has no file.
DATASETTE_GIT = Path("/work/.mirror/simonw+datasette/repo")
SUPPORT = ["tests/__init__.py", "tests/conftest.py", "tests/fixtures.py", "tests/utils.py", "tests/plugins"]
SUPPORT += ["tests/spatialite.db", "pytest.ini", "docs"]
# The bundled plugins (pyproject.toml's dependencies) and the test extras: Datasette's tests' (their conftest, the
# repository's test extras) and sqlite-utils' (its dev group's test tools).
BUNDLED = ["datasette-plot==0.1.0", "datasette-pretty-json==0.3", "datasette-search-all==1.1.5a0"]
BUNDLED += ["datasette-render-markdown==2.2.1", "datasette-render-images==0.4", "datasette-json-html==1.0.1"]
EXTRAS = ["pytest", "pytest-asyncio", "pytest-timeout", "beautifulsoup4", "trustme", "cogapp", "opentelemetry-sdk"]
EXTRAS += ["multipart-form-data-conformance==0.1a0", "psutil", "black==26.5.1", "httpx", "hypothesis"]
REQUIREMENTS = [DATASETTE, SQLITE_UTILS, "apsw==3.54.1.0", *BUNDLED, *EXTRAS]


def say(message: str) -> None:
    print(message, flush=True)


def sdist(requirement: str) -> Path:
    """The requirement's source distribution, unpacked under the cache (downloaded once)."""
    name, version = requirement.split("==")
    stem = f"{name.replace('-', '_') if name == 'sqlite-utils' else name}-{version}"
    folder = CACHE / stem
    if not folder.exists():
        say(f"downloading {requirement}'s source distribution")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", requirement, "--no-binary", ":all:", "--no-deps", "-d", CACHE],
            check=True,
            capture_output=True,
        )
        with tarfile.open(CACHE / f"{stem}.tar.gz") as archive:
            archive.extractall(CACHE, filter="data")
    return folder


def support_files(folder: Path) -> tuple[str | None, list[str]]:
    """Adds to Datasette's unpacked sdist the support files it lacks, from the repository's snapshot: which commit
    they came from (None if there is no snapshot) and which of SUPPORT are still missing."""
    marker = folder / "support-files-commit"
    missing = [path for path in SUPPORT if not (folder / path).exists()]
    if missing and DATASETTE_GIT.exists():
        git = ["git", f"--git-dir={DATASETTE_GIT}"]
        commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout
        archive = subprocess.run([*git, "archive", "--format=tar", commit.strip(), *missing], capture_output=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        marker.write_text(commit.strip())
    missing = [path for path in SUPPORT if not (folder / path).exists()]
    return (marker.read_text().strip() if marker.exists() else None), missing


def venv() -> None:
    """The suites' own virtualenv (the project's .venv stays as it is), rebuilt when REQUIREMENTS change."""
    marker = VENV / "requirements.sha256"
    wanted = hashlib.sha256("\n".join(REQUIREMENTS).encode()).hexdigest()
    if marker.exists() and marker.read_text() == wanted:
        return
    say("making .cache/upstream/venv with the test extras")
    subprocess.run([sys.executable, "-m", "venv", "--clear", VENV], check=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "-q", *REQUIREMENTS], check=True)
    marker.write_text(wanted)


def install_project() -> None:
    """This project, installed into the venv from a copy (a build in the work tree would leave files there)."""
    copy = CACHE / "project"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    shutil.copytree(ROOT / "python", copy / "python", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    subprocess.run(
        [PYTHON, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", copy], check=True, capture_output=True
    )


def versions() -> dict[str, str]:
    """The venv's packages and versions, for the results."""
    listing = subprocess.run([PYTHON, "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    return dict(line.split("==", 1) for line in listing.splitlines() if "==" in line)
