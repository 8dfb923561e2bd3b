"""The `>>>` examples in chatkit's docstrings run, and the modules that teach by example keep their examples.

An example nobody runs rots (style.md). These run every example in the package, and fail if a module that
should show how it is used has lost its examples.
"""

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "chatkit"

# The modules students are pointed at for the wire format, the framing and the crypto: each must have examples.
MUST_HAVE_EXAMPLES = [
    "chatkit.framing",
    "chatkit.protocol",
    "chatkit.crypto.classic",
    "chatkit.crypto.kdf",
    "chatkit.crypto.labels",
    "chatkit.crypto.lengths",
    "chatkit.crypto.ratchet",
    "chatkit.crypto.sealed",
    "chatkit.crypto.signing",
]


def module_name(path: Path) -> str:
    """Return the dotted name of a module file under chatkit/."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules_with_prompts() -> list[str]:
    """Return every chatkit module whose source holds a `>>>` prompt (found without importing anything)."""
    return sorted(module_name(path) for path in PACKAGE.rglob("*.py") if ">>> " in path.read_text(encoding="utf-8"))


def examples_of(name: str) -> list[doctest.DocTest]:
    """Import a module and return its docstrings' examples that hold at least one `>>>`."""
    module = importlib.import_module(name)
    return [test for test in doctest.DocTestFinder().find(module) if test.examples]


def test_the_modules_that_must_have_examples_exist() -> None:
    for name in MUST_HAVE_EXAMPLES:
        assert (PACKAGE.parent / (name.replace(".", "/") + ".py")).is_file(), f"{name} is listed but does not exist"


@pytest.mark.parametrize("name", MUST_HAVE_EXAMPLES)
def test_a_module_that_teaches_by_example_has_examples(name: str) -> None:
    count = sum(len(test.examples) for test in examples_of(name))
    assert count > 0, f"{name} should show how it is used with `>>>` examples in its docstrings; it has none"


@pytest.mark.parametrize("name", sorted(set(MUST_HAVE_EXAMPLES) | set(modules_with_prompts())))
def test_the_examples_of_a_module_run(name: str) -> None:
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in examples_of(name):
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples in {name} failed:\n" + "".join(
        report
    )
