"""The regeneration engine: BASE (last render) + OURS (disk) + THEIRS (new render) -> disk.

It knows nothing about microservices: relative POSIX paths, bytes and a per-path `Policy`.

    plan = plan_sync(root, render, policy_of, generator_version=__version__)
    print(plan_diffs(plan))          # --dry-run: nothing is written
    plan.drift                       # --check: non-empty when disk or BASE disagree
    apply_plan(plan)                 # writes files, then BASE and the manifest
    plan.conflicts                   # non-empty: exit 1; the next plan_sync refuses until fixed
    rename_prefix(root, "a/", "b/")  # before planning: a renamed folder keeps its edits
    recorded_render(root, manifest, fingerprint)  # BASE, while the render's inputs are unchanged
"""

from shopgen.merge.apply import apply_plan, record_base
from shopgen.merge.diff import action_diff, plan_diffs
from shopgen.merge.manifest import Manifest, load_manifest, recorded_render
from shopgen.merge.model import Action, ActionKind, Plan, Policy
from shopgen.merge.planner import ensure_resolved, plan_sync
from shopgen.merge.rename import rename_prefix

__all__ = [
    "Action",
    "ActionKind",
    "Manifest",
    "Plan",
    "Policy",
    "action_diff",
    "apply_plan",
    "ensure_resolved",
    "load_manifest",
    "plan_diffs",
    "plan_sync",
    "record_base",
    "recorded_render",
    "rename_prefix",
]
