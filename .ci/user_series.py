"""The user series both benchmark scripts measure (measure-cli.py, profile-phases.py):
studio-private with N Studio users, `split: nested` above 150 users as CloudFormation's
limits require; the same definitions as the in-process bench (benches/synth.rs)."""

import sys

SPLIT_ABOVE = 150


def definition_with_users(base, users):
    """stacks/studio-private.yaml's text with its two users replaced by `users` users."""
    shipped = "    - data-scientist-1\n    - data-scientist-2\n"
    if shipped not in base:
        sys.exit("the user list of stacks/studio-private.yaml was not found")
    text = base.replace(shipped, "".join(f"    - data-scientist-{i}\n" for i in range(1, users + 1)))
    return text + "\nsplit: nested\n" if users > SPLIT_ABOVE else text
