"""Stage: lay out the build in dist.next/ (the shell, its bundled modules, Pyodide's core, site-packages, the sample
database, one build id), and once it is checked, swap it in for dist/."""

import gzip
import hashlib
import importlib.util
import json
import re
import shutil
import tomllib
import zipfile
from pathlib import Path

from build_steps.commands import run, say
from build_steps.fetch import cached_wheel, locked_packages
from build_steps.paths import CACHE, DIST, PYODIDE, PYODIDE_FILES, ROOT, SAMPLE, STAGE
from build_steps.sample import write_sample

# Parts of wheels the app never imports, left out of site-packages: of APSW only its compiled module is used (by
# python/datasette_pwa/sqlite3_apsw); its shell, tests, unicode module and SQLite extensions were 4.6 of its 6.1 MB.
UNUSED = re.compile(r"apsw/(?!__init__\.cpython)")


def stage():
    """Lay out dist/: the shell, Pyodide's core, and site-packages (Datasette, its dependencies, our package)."""
    say("staging dist/")
    shutil.rmtree(STAGE, ignore_errors=True)
    # The shell's HTML, styles and icons; its modules and the worker's are bundled below.
    shutil.copytree(ROOT / "pwa" / "page", STAGE, ignore=shutil.ignore_patterns("*.js"))
    write_sample(STAGE / SAMPLE)
    bundle_modules()
    write_manifest()
    (STAGE / "pyodide").mkdir()
    for name in PYODIDE_FILES:
        shutil.copy2(PYODIDE / name, STAGE / "pyodide" / name)
    # We install our own packages, so Pyodide gets a lock file with its platform info and no packages.
    info = json.loads((PYODIDE / "pyodide-lock.json").read_text())["info"]
    (STAGE / "pyodide/pyodide-lock.json").write_text(json.dumps({"info": info, "packages": {}}) + "\n")
    on_demand = set(load_formats().ON_DEMAND.values())
    files = {}
    for name, (version, _) in sorted(locked_packages().items()):
        if name in on_demand:
            continue
        with zipfile.ZipFile(cached_wheel(name, version)) as wheel:
            files |= {
                i.filename: wheel.read(i) for i in wheel.infolist() if not i.is_dir() and not UNUSED.match(i.filename)
            }
    files |= package_files(ROOT / "python" / "datasette_pwa")
    root = "/lib/python{}.{}/site-packages".format(*info["python"].split(".")[:2])
    bundle_site_packages(files, root, ship_on_demand(on_demand))
    # One id for everything in this build: the worker passes it to Datasette (/-/versions), the shell shows it.
    digest = hashlib.sha256()
    for path in sorted(p for p in STAGE.rglob("*") if p.is_file()):
        digest.update(path.relative_to(STAGE).as_posix().encode() + b"\0" + path.read_bytes())
    (STAGE / "build.json").write_text(json.dumps({"id": digest.hexdigest()[:12]}) + "\n")


def ship_on_demand(packages):
    """The wheels of the packages loaded only when needed (formats.ON_DEMAND), as they are in dist/wheels/, where
    Pyodide's loadPackage reads them (pwa/worker/on-demand.js); returns {package: path}."""
    (STAGE / "wheels").mkdir()
    shipped = {}
    for name in sorted(packages):
        wheel = cached_wheel(name, locked_packages()[name][0])
        shutil.copy2(wheel, STAGE / "wheels" / wheel.name)
        shipped[name] = f"wheels/{wheel.name}"
    return shipped


def load_formats():
    """python/datasette_pwa/formats.py, the one list of the files the app opens."""
    spec = importlib.util.spec_from_file_location("formats", ROOT / "python" / "datasette_pwa" / "formats.py")
    formats = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(formats)
    return formats


def write_manifest():
    """manifest.webmanifest, its file handlers from the list of formats."""
    manifest = json.loads((ROOT / "manifest.webmanifest").read_text())
    manifest["file_handlers"] = [{"action": "./", "accept": load_formats().file_handlers_accept()}]
    (STAGE / "manifest.webmanifest").write_text(json.dumps(manifest, indent=2) + "\n")


def bundle_modules():
    """The shell's and the worker's modules, each bundled into one file (esbuild): loaded one by one, each through the
    service worker, they came in four rounds that ended 0.3 s (the shell) and 0.17 s (the worker) after the first began
    (a warm start on a slow day). Pyodide's own modules stay apart: the worker imports them from pyodide/.

    They are bundled from a copy of pwa/ that has the list of formats as pwa/page/formats.js, which the shell imports."""
    source = CACHE / "pwa"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT / "pwa", source, ignore=shutil.ignore_patterns("sw"))
    shell = json.dumps(load_formats().for_the_shell(), indent=1)
    (source / "page" / "formats.js").write_text(
        f"// Written by build.py from python/datasette_pwa/formats.py.\nexport const FORMATS = {shell};\n"
    )
    for entry in ["page/shell.js", "worker/worker.js"]:
        run(
            [
                "npx",
                "--no-install",
                "esbuild",
                str(source / entry),
                "--bundle",
                "--format=esm",
                "--external:./pyodide/*",
                f"--outfile={STAGE / Path(entry).name}",
                "--log-level=warning",
            ],
            what=f"esbuild of pwa/{entry}",
        )


def bundle_site_packages(files, root, on_demand):
    """Write site-packages as dist/site-packages/: files.gz, every file's bytes one after another, gzipped, and
    index.json, their paths and sizes.

    The worker writes them straight into Pyodide's filesystem: unpacking the wheels with Python took a quarter of a
    second on every start, this takes a few milliseconds (and the download is 2.4 MB instead of 4.3).
    Compiled libraries are listed as "dynlibs": the worker loads them before Python starts (see pwa/worker/python-start.js).
    "onDemand": the wheels loaded only when needed, {package: path in dist/} (ship_on_demand).
    """
    target = STAGE / "site-packages"
    target.mkdir()
    names = sorted(files)
    index = {
        "root": root,
        "files": [[name, len(files[name])] for name in names],
        "dynlibs": [name for name in names if name.endswith(".so")],
        "onDemand": on_demand,
    }
    (target / "index.json").write_text(json.dumps(index) + "\n")
    (target / "files.gz").write_bytes(gzip.compress(b"".join(files[name] for name in names), mtime=0))


def package_files(package):
    """Our package (code and static files) and its metadata as {path in site-packages: bytes}.

    The dist-info carries pyproject.toml's entry points: that is how Datasette finds plugin/, as under CPython.
    """
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dist_info = f"{package.name}-{project['version']}.dist-info"
    entry_points = "".join(
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in points.items())
        for group, points in project["entry-points"].items()
    )
    files = {
        p.relative_to(package.parent).as_posix(): p.read_bytes()
        for p in sorted(package.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n".encode()
    )
    files[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    return files


def publish():
    """Swap the staged build in for dist/."""
    old = ROOT / "dist.old"
    shutil.rmtree(old, ignore_errors=True)
    if DIST.exists():
        DIST.rename(old)
    STAGE.rename(DIST)
    shutil.rmtree(old, ignore_errors=True)
