"""Only for tests/test_plugins.py, which imports bundled_plugins from here: the tests' helpers are in
benchmarks/testkit/ (servers.py has this one)."""

from testkit.servers import bundled_plugins  # noqa: F401
