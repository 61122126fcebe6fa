"""The steps of build.py, one module each; build.py runs them in order (fetch, stage, service worker, publish).

paths.py holds what more than one step names (the folders, the files they share), commands.py how each reports and runs
its tools.
"""
