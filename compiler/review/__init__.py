"""The review workflow: the sides of a diff, the pull-request comment, the lock's integrity
against git history, and the HTML report."""
