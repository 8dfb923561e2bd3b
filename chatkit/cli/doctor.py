"""`chatkit doctor`: say what works where this runs (Python, packages, crypto, sockets, the front-end), and what not.

chatkit doctor                      # from a terminal: exit code 0 when everything the kit needs works
from chatkit.cli.doctor import print_report; print_report()     # from a notebook (notebook 00 does)
"""

import argparse
import os
import sys

from chatkit.cli.frontends import WHERE_IT_WORKS, detect_frontend, frontend_finding
from chatkit.cli.probes import Finding, installed_version, loopback_finding, package_findings, python_finding

EXIT_OK = 0
EXIT_SOMETHING_NEEDED_FAILS = 1
MARKS = {(True, True): "ok", (True, False): "ok", (False, True): "FAILS", (False, False): "note"}  # (works, needed)


def crypto_findings() -> list[Finding]:
    """Check the primitives the modes use, if `cryptography` can be imported at all."""
    try:
        from chatkit.cli import crypto_probes  # imported here: without cryptography, the doctor still reports
    except ImportError as error:
        return [Finding("crypto primitives", False, f"not checked: {error}")]
    return crypto_probes.crypto_findings()


def notebook_names() -> list[str]:
    """Return the names defined in the notebook this runs in (none outside a notebook)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return list(shell.user_ns) if shell is not None else []


def frontend() -> str:
    """Return the front-end this process runs in (a key of WHERE_IT_WORKS)."""
    return detect_frontend(os.environ, sys.modules.keys(), sys.platform, notebook_names())


def run_checks() -> list[Finding]:
    """Run every check, in the order the report shows them."""
    findings = [python_finding(), *package_findings(), *crypto_findings(), loopback_finding()]
    return [*findings, frontend_finding(frontend(), installed_version("ipywidgets"))]


def all_needed_work(findings: list[Finding]) -> bool:
    """Return True if nothing the kit needs fails (notes about a front-end do not count)."""
    return all(finding.works or not finding.needed for finding in findings)


def format_report(findings: list[Finding], here: str) -> str:
    """Return the report as text: one line per finding, where else the kit works, and the verdict."""
    lines = ["chatkit doctor: what works here"]
    lines += [f"  {MARKS[finding.works, finding.needed]:<5} {finding.name}: {finding.detail}" for finding in findings]
    lines += ["elsewhere:"] + [f"  {line}" for key, line in WHERE_IT_WORKS.items() if key != here]
    failing = [finding.name for finding in findings if finding.needed and not finding.works]
    verdict = "everything the kit needs works here." if not failing else "does not work here: " + ", ".join(failing)
    return "\n".join([*lines, verdict])


def print_report(findings: list[Finding] | None = None) -> None:
    """Print the doctor's report (running the checks first unless they are given)."""
    print(format_report(run_checks() if findings is None else findings, frontend()))


def main(argv: list[str] | None = None) -> int:
    """Run every check, print the report, exit 0 if everything needed works."""
    argparse.ArgumentParser(prog="chatkit doctor", description="Say what works where this runs.").parse_args(argv)
    findings = run_checks()
    print_report(findings)
    return EXIT_OK if all_needed_work(findings) else EXIT_SOMETHING_NEEDED_FAILS
