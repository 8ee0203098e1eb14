"""The fuzz corpus (tests/fixtures/fuzz/, written by make_corpus.py): mutations of the example.

Each file is either refused, `shopgen new` exiting 2 with located messages (file:line: key),
no traceback and nothing written, or accepted, generating code that compiles, imports every
module and migrates with Alembic's compare clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.generated_check import check_generated
from tests.helpers import run_cli

CORPUS = Path(__file__).parent / "fixtures" / "fuzz"
REFUSED = sorted(CORPUS.glob("refused_*.yaml"))
ACCEPTED = sorted(CORPUS.glob("accepted_*.yaml"))


def test_the_corpus_is_there() -> None:
    assert len(REFUSED) >= 20 and len(ACCEPTED) >= 4


@pytest.mark.parametrize("spec", REFUSED, ids=lambda path: path.stem)
def test_a_refused_mutation_exits_2_located(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "new", str(tmp_path / "shop"), "--spec", str(spec))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    located = [line for line in result.stderr.splitlines() if f"{spec}:" in line]
    assert located, result.stderr
    for line in located:
        # file:line: dotted.key: message
        assert line.strip().split(": ")[0].rsplit(":", 1)[1].isdigit(), line
    assert not (tmp_path / "shop").exists()


@pytest.mark.parametrize("spec", ACCEPTED, ids=lambda path: path.stem)
def test_an_accepted_mutation_generates_code_that_imports_and_migrates(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "new", str(tmp_path / "shop"), "--spec", str(spec))
    assert result.exit_code == 0, result.stderr
    check_generated(tmp_path / "shop")
