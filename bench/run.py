"""Run every benchmark module in bench/ (each `bench/<name>.py` with a `main()`), one after
the other, each in its own process, against the configured database (see README.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    for module in sorted(HERE.glob("*.py")):
        if module.name in {"run.py", "__init__.py", "common.py"}:
            continue
        print(f"== {module.stem}", flush=True)
        failures += subprocess.call([sys.executable, str(module), *sys.argv[1:]], cwd=HERE.parent) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
