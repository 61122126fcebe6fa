"""Compiled Jinja templates kept in memory for every Datasette of the app, so a memory snapshot can hold them
(warmup.py fills it before the worker's snapshot)."""

import jinja2


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates by template and source checksum (a changed source compiles again)."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        checksum, code = self.compiled.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = (bucket.checksum, bucket.code)


TEMPLATES = CompiledTemplates()
