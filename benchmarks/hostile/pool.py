"""Worker processes, each running one case at a time, with a time limit: a case that does not answer within it is a
hang (its process is killed and replaced), one whose process dies is a crash. Spawned, not forked: a clean
interpreter, as the app's worker is."""

import multiprocessing
import time
from multiprocessing.connection import wait


class Slot:
    def __init__(self, context, target, args):
        self.context, self.target, self.args = context, target, args
        self.job = self.began = None
        self.start()

    def start(self):
        self.connection, theirs = self.context.Pipe()
        self.process = self.context.Process(target=self.target, args=(theirs, *self.args), daemon=True)
        self.process.start()
        theirs.close()
        if not self.connection.poll(300) or self.connection.recv() != "ready":
            raise SystemExit("a worker process did not start")

    def give(self, job):
        self.job, self.began = job, time.monotonic()
        self.connection.send(job)

    def replace(self):
        self.process.kill()
        self.process.join()
        self.connection.close()
        self.job = None
        self.start()

    def stop(self):
        try:
            self.connection.send(None)
            self.process.join(10)
        except OSError:
            pass
        if self.process.is_alive():
            self.process.kill()


def run_all(jobs, target, args, size, timeout):
    """Yield (job, outcome, seconds) for every job; outcome is the worker's answer, or {"hang": ...} or
    {"crash": ...}. target(connection, *args) is the worker's loop (cpython.serve)."""
    context = multiprocessing.get_context("spawn")
    slots = [Slot(context, target, args) for _ in range(size)]
    waiting = list(jobs)[::-1]
    try:
        while waiting or any(s.job for s in slots):
            for slot in slots:
                if slot.job is None and waiting:
                    slot.give(waiting.pop())
            busy = [s for s in slots if s.job is not None]
            ready = wait([s.connection for s in busy] + [s.process.sentinel for s in busy], timeout=1)
            for slot in busy:
                seconds = time.monotonic() - slot.began
                if slot.connection in ready:
                    try:
                        outcome = slot.connection.recv()
                    except EOFError:
                        slot.process.join(5)
                        outcome = {"crash": f"the worker process died (exit code {slot.process.exitcode})"}
                        job = slot.job
                        slot.replace()
                        yield job, outcome, seconds
                        continue
                    job, slot.job = slot.job, None
                    yield job, outcome, seconds
                elif slot.process.sentinel in ready or not slot.process.is_alive():
                    slot.process.join(5)
                    job = slot.job
                    outcome = {"crash": f"the worker process died (exit code {slot.process.exitcode})"}
                    slot.replace()
                    yield job, outcome, seconds
                elif seconds > timeout:
                    job = slot.job
                    slot.replace()
                    yield job, {"hang": f"no answer after {timeout} s"}, seconds
    finally:
        for slot in slots:
            slot.stop()
