"""``make audit``: known vulnerabilities of the installed pinned packages (pip-audit), ruff's
security rules (``S``) on the package, and the hostile-export corpus.

pip-audit asks an advisory database on the network; where it cannot be reached (every package
comes back «could not be audited») the step is skipped with a note instead of failing, so the
audit still runs offline. Exit code: 0 when every step that ran is clean, 1 otherwise.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def dependencies() -> int:
    """pip-audit on the project's environment; 0 clean or skipped, 1 vulnerable."""
    try:
        run = subprocess.run([str(BIN / "pip-audit"), "--local", "--format", "json",
                              "--progress-spinner", "off"],
                             capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"pip-audit: пропущено ({exc.__class__.__name__}) / skipped")
        return 0
    try:
        report = json.loads(run.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    packages = report.get("dependencies", [])
    audited = [p for p in packages if "skip_reason" not in p]
    if not audited:
        print("pip-audit: база уязвимостей недоступна — проверка пакетов пропущена "
              "(advisory database unreachable, skipped)")
        return 0
    vulnerable = [p for p in audited if p.get("vulns")]
    for package in vulnerable:
        ids = ", ".join(v.get("id", "?") for v in package["vulns"])
        print(f"pip-audit: {package['name']} {package.get('version', '')}: {ids}")
    print(f"pip-audit: проверено пакетов {len(audited)}, уязвимых {len(vulnerable)}")
    return 1 if vulnerable else 0


def security_lint() -> int:
    """ruff's flake8-bandit rules on the package (audited exceptions carry a ``noqa`` reason)."""
    run = subprocess.run([str(BIN / "ruff"), "check", "--select", "S", "src/helpers"], cwd=ROOT)
    return 0 if run.returncode == 0 else 1


def hostile_corpus() -> int:
    """The hostile exports and parameters (tests/test_hostile.py, tests/test_hardening_*.py)."""
    tests = ["tests/test_hostile.py", *sorted(str(p.relative_to(ROOT))
                                              for p in (ROOT / "tests").glob("test_hardening_*.py"))]
    run = subprocess.run([str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          *tests], cwd=ROOT)
    return 0 if run.returncode == 0 else 1


def main() -> int:
    failed = [name for name, step in (("pip-audit", dependencies), ("ruff S", security_lint),
                                      ("hostile corpus", hostile_corpus)) if step()]
    print("Аудит: " + (f"не пройдено — {', '.join(failed)}" if failed else "пройден"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
