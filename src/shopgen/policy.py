"""Which files of the generated repository belong to whom.

The merge engine applies a policy per path but knows nothing of what the paths mean; this
module is where that meaning lives.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from shopgen.merge import Policy

# First match wins. Patterns are matched against POSIX paths relative to the repository root.
RULES: tuple[tuple[str, Policy], ...] = (
    # Scaffolded once, then the user's: operations.py and one module per consumed event
    # (custom/handlers/<handler>.py), saga action (custom/actions/<action>.py) and entity
    # (custom/hooks/<entity>.py), so that sync adds a stub for each new one. (`*` also matches
    # `/` here: the pattern covers the sub-packages.)
    ("services/*/custom/*", Policy.USER),
    ("tests/custom/*", Policy.USER),
    # Always rewritten: derived documents nobody should edit by hand.
    ("docs/architecture.md", Policy.MANAGED),
    ("services/*/asyncapi.json", Policy.MANAGED),
    # The schema the last generation implied: what the next sync compares with to write a new
    # migration revision (services/*/migrations/versions/*, generated once; see shopgen.history).
    ("services/*/migrations/schema.json", Policy.MANAGED),
)


def policy_for(path: str) -> Policy:
    for pattern, policy in RULES:
        if fnmatchcase(path, pattern):
            return policy
    return Policy.GENERATED
