"""`python bench/audit.py [--help]`: the audit log benchmark, implemented in bench/audit_chain.py.

A launcher only: as a module this file would be named `audit`, like the audit
service's package, so the code lives under another name (and mypy skips this
file, see pyproject.toml). Run as a script, Python puts this folder first on
sys.path, where this very file would shadow the package: it is taken off first.
"""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    bench = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != bench]
    runpy.run_path(str(bench / "audit_chain.py"), run_name="__main__")
