"""Finishing a git merge of two branches that each synced a spec change (docs/regeneration.md).

Both branches add a revision to the same service and record their own BASE in .shopgen/, so
git conflicts there; `shopgen resolve-merge` rebuilds .shopgen/ from the merged spec and
joins the two migration heads, after which sync has nothing to do and a database upgrades.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import edit_spec, run_cli

PROBE = Path(__file__).parent / "migration_probe.py"
CATEGORY = "      Category:\n        fields:\n          name: {type: string, unique: true}\n"
PRODUCT_REF = "          category_id: {type: ref, to: Category, optional: true}\n"


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)


def test_resolve_merge_finishes_a_merge_of_two_synced_branches(shop: Path, capsys) -> None:
    assert CATEGORY in (shop / "shopgen.yaml").read_text()
    git(shop, "checkout", "-q", "-b", "weights")
    edit_spec(
        shop, PRODUCT_REF, PRODUCT_REF + "          weight: {type: decimal, optional: true}\n"
    )
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    assert git(shop, "add", "-A").returncode == 0
    assert git(shop, "commit", "-qm", "weight").returncode == 0

    git(shop, "checkout", "-q", "main")
    git(shop, "checkout", "-q", "-b", "slugs")
    edit_spec(shop, CATEGORY, CATEGORY + "          slug: {type: string, optional: true}\n")
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    git(shop, "add", "-A")
    git(shop, "commit", "-qm", "slug")

    merged = git(shop, "merge", "-q", "weights")
    assert merged.returncode != 0  # .shopgen/ conflicts: each branch recorded its own BASE
    unmerged = git(shop, "diff", "--name-only", "--diff-filter=U").stdout.split()
    assert unmerged and all(path.startswith(".shopgen/") for path in unmerged), unmerged
    # Plain sync cannot run on a conflicted manifest, and says what to do.
    refused = run_cli(capsys, "sync", "--path", str(shop))
    assert refused.exit_code == 2
    assert "resolve-merge" in " ".join(refused.stderr.split())

    result = run_cli(capsys, "resolve-merge", "--path", str(shop))
    assert result.exit_code == 0, result.stdout + result.stderr
    versions = shop / "services/products/migrations/versions"
    names = sorted(p.name for p in versions.glob("*.py"))
    assert names[0] == "0001_initial.py" and len(names) == 4, names
    joined = (versions / names[-1]).read_text()
    assert names[-1].startswith("0003_merge_heads")
    heads = [n.removesuffix(".py")[:32] for n in names[1:3]]
    assert f'down_revision: str | Sequence[str] | None = ("{heads[0]}", "{heads[1]}")' in joined

    assert git(shop, "add", "-A").returncode == 0
    assert git(shop, "commit", "-qm", "merge").returncode == 0
    check = run_cli(capsys, "sync", "--check", "--path", str(shop))
    assert check.exit_code == 0, check.stdout + check.stderr

    url = f"sqlite+aiosqlite:///{shop / '.data' / 'merged.db'}"
    probe = subprocess.run(
        [sys.executable, str(PROBE), "products", url, "upgrade", "compare", "current"],
        cwd=shop, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr[-3000:]
    outcome = json.loads(probe.stdout.splitlines()[-1])
    assert outcome["compare"] == [] and outcome["current"] == names[-1].removesuffix(".py")[:32]
