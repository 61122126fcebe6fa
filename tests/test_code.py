"""The code stays as the project keeps it: ruff's lint and format checks over the Python, TypeScript's checker over
the JavaScript in pwa/ (checkJs, from JSDoc types), no function in pwa/, python/, benchmarks/ or the build (build.py,
build_steps/) longer than 60 lines and no file there longer than 300."""

import ast
import re
import subprocess
import sys

import pytest
from conftest import ROOT

import build

# One program per kind of global scope (tsconfig.json says why); together they cover every file of OUR_JAVASCRIPT.
TSCONFIGS = ["tsconfig.page.json", "tsconfig.worker.json", "tsconfig.sw.json", "tsconfig.static.json"]
# Every JavaScript file the project writes: the app's, and the pages beyond Datasette's that the plugin serves.
OUR_JAVASCRIPT = [
    *(ROOT / "pwa").glob("*/*.js"),
    *(ROOT / "python" / "datasette_pwa" / "plugin" / "static").glob("*.js"),
]
# Every Python file the length limits hold for: the app's package, the build, the benchmarks and their testkit/ (not
# benchmarks/.data/, the generated databases, git-ignored).
OUR_PYTHON = [
    *(ROOT / "python").rglob("*.py"),
    ROOT / "build.py",
    *(ROOT / "build_steps").rglob("*.py"),
    *(path for path in (ROOT / "benchmarks").rglob("*.py") if ".data" not in path.relative_to(ROOT).parts),
]
TSC = ROOT / "node_modules" / ".bin" / "tsc"
MAX_FUNCTION_LINES = 60  # tests/function_lengths.mjs has the same limit for the JavaScript
MAX_FILE_LINES = 300


def run(*command):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


@pytest.fixture(scope="module")
def node_modules():
    """TypeScript is one of the build's npm tools (package.json): installed as build.py installs them, if it is not."""
    build.fetch_npm()


def test_ruff_lint_passes():
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_kept():
    result = run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("config", TSCONFIGS)
def test_typescript_finds_no_error(node_modules, config):
    result = run(str(TSC), "-p", config)
    assert result.returncode == 0, result.stdout + result.stderr


def test_typescript_checks_every_file(node_modules):
    """A file that no program reaches (imported by none of the entry points) would go unchecked."""
    checked = set()
    for config in TSCONFIGS:
        result = run(str(TSC), "-p", config, "--listFilesOnly")
        assert result.returncode == 0, result.stdout + result.stderr
        checked |= set(result.stdout.split())
    unchecked = {str(path) for path in OUR_JAVASCRIPT} - checked
    assert not unchecked, f"no tsconfig*.json reaches {sorted(unchecked)}"


def test_no_function_is_longer_than_60_lines(node_modules):
    result = run("node", "tests/function_lengths.mjs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "", f"split these into smaller functions:\n{result.stdout}"


def test_no_python_function_is_longer_than_60_lines():
    long = []
    for path in OUR_PYTHON:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "split these into smaller functions:\n" + "\n".join(long)


def test_no_file_is_longer_than_300_lines():
    files = [*OUR_PYTHON, *(ROOT / "pwa").rglob("*.js")]
    long = {
        str(f.relative_to(ROOT)): n
        for f in files
        if f.is_file() and (n := len(f.read_text().splitlines())) > MAX_FILE_LINES
    }
    assert not long, f"split these by job: {long}"


# JavaScript that returns a promise: a fetch, an async function, a then(), an await.
PROMISE = re.compile(r"\basync\b|\bawait\b|\.then\(|\bfetch\(|\bnew Promise\b")


def string_constants(trees) -> dict:
    """Every module-level NAME = "string" of the files, by name (tests share their JavaScript as such constants)."""
    found = {}
    for tree in trees:
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.update({target.id: node.value.value for target in node.targets if isinstance(target, ast.Name)})
    return found


def text_of(node, constants) -> str:
    """The JavaScript an argument spells, as far as it can be read: strings, f-strings, + and the shared constants."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id, "")
    if isinstance(node, ast.JoinedStr):
        return "".join(text_of(getattr(part, "value", part), constants) for part in node.values)
    if isinstance(node, ast.BinOp):
        return text_of(node.left, constants) + text_of(node.right, constants)
    return ""


def test_no_promise_is_handed_to_playwrights_waits():
    """wait_for_function takes a returned promise as true at once (microsoft/playwright#29132): such a check can never
    fail. helpers.wait_until polls a promise instead."""
    files = [*(ROOT / "tests").glob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    trees = {path: ast.parse(path.read_text()) for path in files}
    constants = string_constants(trees.values())
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "wait_for_function" and node.args:
                if PROMISE.search(text_of(node.args[0], constants)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"a promise handed to wait_for_function: {found}"


def test_javascript_unit_tests_pass():
    """The pure modules of pwa/ (tests/js/, node --test): what needs no browser is tested without one."""
    result = run("node", "--test", "tests/js/")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readmes_figures_are_those_of_the_results_files():
    """benchmarks/readme_figures.py makes the tables of figures of the README and docs/ from benchmarks/results/."""
    result = run(sys.executable, "benchmarks/readme_figures.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_documentations_links_lead_somewhere():
    """Every relative link of the README and docs/ names a file that exists, and an anchor a heading there makes."""
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists() or (anchor and anchor not in anchors(linked)):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []


def anchors(page):
    """GitHub's anchors for a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.M) if page.suffix == ".md" else []
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
