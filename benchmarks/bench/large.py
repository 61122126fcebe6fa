"""Section 4, large database: import a generated 1.7 GB file through the Open button, then its first table page; browser
memory (RSS, PSS and anonymous memory summed over the profile's Chromium processes, from /proc, ~5 samples a second);
baselines: the same File only read, and written with a sync access handle, in a plain page (benchmarks/harness/)."""

import dataclasses
import shutil
import time

import datagen
from playwright.sync_api import Error as PlaywrightError
from testkit.browser import launch

from .common import STAGES_SCRIPT, Harness, MemorySampler, memory_mb, say, wait_usable

# In the shell: when the file input changed (the file was chosen) and when the database appeared in the library.
IMPORT_WATCH_JS = """name => {
  window.__chosen = window.__listed = null;
  document.addEventListener("change", () => { window.__chosen ??= performance.now(); }, { capture: true, once: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector(`#library li[data-name="${name}"]`)) { window.__listed = performance.now(); observer.disconnect(); }
  }).observe(document.getElementById("library"), { childList: true, subtree: true });
}"""

# Clicks the table's link in Datasette's database page; the click's time on the shell's clock.
CLICK_JS = """href => {
  const link = document.getElementById("frame").contentDocument.querySelector(`a[href$="${href}"]`);
  const t = performance.now();
  link.click();
  return t;
}"""


@dataclasses.dataclass
class LargeDatabase:
    """results["large"]: the import's and the pages' times (s), the OS's copy of the same file, memory (MB), and the
    baselines (import_baselines)."""

    bytes: int
    rows_shown: int
    import_s: float
    import_mb_s: float
    os_copy_s: float
    os_copy_mb_s: float
    listed_to_db_page_s: float
    table_page_s: float
    rss_base_mb: float
    rss_peak_mb: float
    rss_after_mb: float
    rss_growth_mb: float
    rss_growth_import_mb: float
    pss_growth_mb: float
    anon_growth_mb: float
    # Which processes grew: peak minus baseline, per process type (RSS).
    rss_growth_by_process_mb: dict
    samples: list
    baselines: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class LargeFailed:
    """results["large"] when the import failed in the app: why. The baselines are measured all the same."""

    error: str
    baselines: dict = dataclasses.field(default_factory=dict)


def large(pw, url, profile, dist, scratch):
    """Section 4: the generated database imported in the app (warm, offline, on profile), then the baselines."""
    say("4. large database…")
    huge = datagen.huge_db()
    try:
        result = large_database(pw, url, profile, huge)
    except PlaywrightError as error:
        result = LargeFailed(str(error).splitlines()[0])
        say(f"   failed: {result.error}")
    result.baselines = import_baselines(pw, dist, scratch, huge)
    return result


def large_database(pw, url, profile, path):
    """The import in the app, then the OS's copy of the same file; raises PlaywrightError if the app fails."""
    app = import_in_app(pw, url, profile, path)
    sampler, base = app.sampler, app.base
    size = path.stat().st_size
    copy_s = os_copy_s(path)
    import_s = (app.listed - app.chosen) / 1000
    kinds = sorted({k for _, m in sampler.samples for k in m} - {"total"})
    return LargeDatabase(
        bytes=size,
        rows_shown=app.rows,
        import_s=import_s,
        import_mb_s=size / 1e6 / import_s,
        os_copy_s=copy_s,
        os_copy_mb_s=size / 1e6 / copy_s,
        listed_to_db_page_s=(app.db_page - app.listed) / 1000,
        table_page_s=(app.table_page - app.clicked) / 1000,
        rss_base_mb=base["total"][0],
        rss_peak_mb=sampler.peak(),
        rss_after_mb=app.after["total"][0],
        rss_growth_mb=sampler.peak() - base["total"][0],
        rss_growth_import_mb=sampler.peak(end=app.t_listed) - base["total"][0],
        pss_growth_mb=sampler.peak(index=1) - base["total"][1],
        anon_growth_mb=sampler.peak(index=2) - base["total"][2],
        rss_growth_by_process_mb={k: sampler.peak(k) - base.get(k, [0, 0, 0])[0] for k in kinds},
        samples=[(round(t - app.t0, 2), m["total"]) for t, m in sampler.samples],
    )


@dataclasses.dataclass
class AppImport:
    """What import_in_app saw: perf_counter() times (t0: file set, t_listed), the shell's performance.now() times (ms),
    the table page's rows, memory before and after (memory_mb) and the samples in between."""

    t0: float
    t_listed: float
    chosen: float
    listed: float
    db_page: float
    clicked: float
    table_page: float
    rows: int
    base: dict
    after: dict
    sampler: MemorySampler


def import_in_app(pw, url, profile, path):
    """The app, offline: path imported through the Open button, its database page, a click to its table's page."""
    context = launch(pw, profile, offline=True)
    context.add_init_script(STAGES_SCRIPT)
    context.add_init_script("delete window.showOpenFilePicker")
    page = context.pages[0]
    page.goto(url)
    wait_usable(page, "/ds/")
    time.sleep(2)  # let the boot's garbage settle before taking the baseline
    base = memory_mb(profile)
    sampler = MemorySampler(profile)
    sampler.start()
    page.evaluate(IMPORT_WATCH_JS, "huge")
    with page.expect_file_chooser() as chooser:
        page.click("#open-database")
    t0 = time.perf_counter()
    chooser.value.set_files(str(path))
    page.wait_for_function("() => window.__listed", timeout=600_000, polling=100)
    t_listed = time.perf_counter()
    db_page = wait_usable(page, "/ds/huge", 120_000, ready=False)
    clicked = page.evaluate(CLICK_JS, "/ds/huge/blobs")
    table_page = wait_usable(page, "/ds/huge/blobs", 120_000, ready=False)
    chosen, listed = page.evaluate("[window.__chosen, window.__listed]")
    rows = page.frame_locator("#frame").locator("table.rows-and-columns tbody tr").count()
    time.sleep(1)
    sampler.stopping.set()
    sampler.join()
    after = memory_mb(profile)
    context.close()
    return AppImport(t0, t_listed, chosen, listed, db_page, clicked, table_page, rows, base, after, sampler)


def os_copy_s(path):
    # The same bytes copied by the OS, for "does the import stream at disk speed?" (no fsync: neither does OPFS).
    copy = path.with_name("copy-baseline.db")
    c0 = time.perf_counter()
    shutil.copyfile(path, copy)
    copy_s = time.perf_counter() - c0
    copy.unlink()
    return copy_s


def import_baselines(pw, dist, scratch, path):
    """What the browser itself does with the same File: read it only; write it into OPFS with a sync access handle
    (in a worker, as opfs-fs.js writes). Time and peak memory growth of the profile's processes, as in section 4."""
    harness = Harness(pw, dist, scratch)
    out = {}
    try:
        for label, op in [("read only", "readOnly"), ("sync access handle write", "syncWrite")]:
            time.sleep(2)
            base = memory_mb(harness.profile)
            sampler = MemorySampler(harness.profile)
            sampler.start()
            ms = harness.call_with_file(path, op, "copy.db")
            sampler.stopping.set()
            sampler.join()
            out[label] = {
                "s": ms / 1000,
                "mb_s": path.stat().st_size / 1e3 / ms,
                "rss_growth_mb": sampler.peak() - base["total"][0],
            }
    finally:
        harness.close()
    return out
