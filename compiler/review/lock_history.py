"""`lock-tamper`: a lock entry cannot open its own review window early.

In a git checkout each entry's date is compared with the commit that first brought that grant
into the lock on the current history (`git log`): an entry dated before that commit, dated in the
future, or for a grant that does not exist is the error `lock-tamper`. An `adopted` entry must
name a grant that was live before it was adopted: on `--base` when given, else on the parent of
the commit that added it (HEAD for an uncommitted one). Outside git, the lock cannot be verified,
and `check` says so.
"""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from agentpol import lock
from agentpol.check.findings import Finding, finding
from agentpol.report.paths import toplevel

#: What `check` prints when there is a lock but no git history to verify it against.
UNVERIFIED = ("agentpol: note: {lock} could not be verified (not a git checkout): lock entry "
              "dates are taken as written")


def verify(directory: Path, model, today: dt.date, base: str | None = None
           ) -> tuple[list[Finding], str | None]:
    """(lock-tamper findings, a note when the lock could not be verified)."""
    path = directory / lock.LOCK_NAME
    rows = lock.rows(path)
    if not rows:
        return [], None
    existing = set(lock.lines_to_lock(model, reviewed_only=False))
    out = []
    for r in rows:
        if r.grant not in existing:
            out.append(finding("lock-tamper", f"lock entry for a grant that does not exist: "
                               f"{r.grant} (an entry cannot pre-approve a grant a later change "
                               "adds; run `agentpol lock` to drop it)", r.span))
        elif r.date is not None and r.date > today:
            out.append(finding("lock-tamper", f"lock entry dated in the future ({r.date}): "
                               f"{r.grant}", r.span))
    root = toplevel(directory)
    if root is None:
        return out, UNVERIFIED.format(lock=rows[0].span.file)
    first = _first_commits(root, path.resolve().relative_to(root).as_posix())
    for r in rows:
        commit = first.get(r.grant)
        if r.date is not None and commit is not None and r.date < commit[1]:
            out.append(finding("lock-tamper", f"lock entry dated {r.date}, before the commit "
                               f"that added it ({commit[0][:12]}, {commit[1]}): {r.grant}",
                               r.span))
    adopted = [r for r in rows if r.date is None and r.grant in existing]
    out += _unadopted(root, directory, adopted, first, base)
    return out, None


def _unadopted(root: Path, directory: Path, adopted, first, base: str | None) -> list[Finding]:
    """Adopted entries whose grant was not live where they were adopted."""
    live: dict[tuple[str, str], set[str]] = {}
    out = []
    for r in adopted:
        here = directory.resolve().relative_to(root).as_posix()
        at = (base, here) if base else \
            (f"{first[r.grant][0]}^", first[r.grant][2]) if r.grant in first else ("HEAD", here)
        if at not in live:
            live[at] = _live_lines(root, *at)
        if r.grant not in live[at]:
            out.append(finding("lock-tamper", f"adopted lock entry for a grant that was not live "
                               f"on {base or 'the commit before it was adopted'}: {r.grant} "
                               "(adopt records grants already live; new ones wait for review)",
                               r.span))
    return out


def _live_lines(root: Path, ref: str, sub: str) -> set[str]:
    """The grants live at `ref` in the policy dir `sub` (relative to the repository root), and
    those its lock had already adopted (verified then)."""
    from agentpol import pipeline
    from agentpol.errors import InputErrors
    from agentpol.permissions import parse
    from . import sides
    try:
        side = sides.load(f"{ref}:{sub}", None, cwd=root, full=False)
    except (ValueError, pipeline.UsageError, InputErrors):  # no policy there (or broken): none
        return set()
    _, entries = parse(side.permissions)
    return {e.text for e in entries if e.section == "live"} | side.adopted


def adoptable(directory: Path, model, base: str | None, explicit: bool) -> frozenset[str]:
    """The grants `lock` records as already live: with `--adopt`, those live on `base`
    (default HEAD) in a git checkout, or outside git every current grant (nothing to verify it
    against); without it, those live on HEAD in the envs whose window is being introduced
    (no entry of theirs in the lock yet). Only grants live on the base are ever adopted, so
    adopting never makes live what was not."""
    root = toplevel(directory)
    if root is None:
        return frozenset(lock.lines_to_lock(model, reviewed_only=False)) if explicit \
            else frozenset()
    live = _live_lines(root, base or "HEAD", directory.resolve().relative_to(root).as_posix())
    if explicit:
        return frozenset(live)
    locked = {r.grant.split(" ", 1)[0] for r in lock.rows(directory / lock.LOCK_NAME)}
    new = {n for n, e in model.environments.items() if e.review_window and n not in locked}
    return frozenset(line for line in live if line.split(" ", 1)[0] in new)


def checked(report, directory: Path, model, today: dt.date, base: str | None = None):
    """`report` with the lock's findings added, and the note to print when unverifiable."""
    found, note = verify(directory, model, today, base)
    return (report.adding(found) if found else report), note



def _first_commits(root: Path, rel: str) -> dict[str, tuple[str, dt.date, str]]:
    """Grant line -> (commit, its UTC committer date, the policy dir there) of the oldest commit
    on the current history that added a lock line for that grant, following the lock across
    renames (a moved policy directory keeps its history). The log is read newest first:
    `--follow` does not combine with `--reverse`."""
    try:
        log = subprocess.run(
            ["git", "-C", str(root), "log", "--follow", "--format=@@commit %H %ct", "-p",
             "-U0", "--no-color", "--no-ext-diff", "--", rel],
            capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    first: dict[str, tuple[str, dt.date, str]] = {}
    commit: tuple[str, dt.date, str] | None = None
    for line in log.splitlines():
        if line.startswith("@@commit "):
            _, sha, stamp = line.split()
            commit = (sha, dt.datetime.fromtimestamp(int(stamp), dt.timezone.utc).date(),
                      str(Path(rel).parent))
        elif commit and line.startswith("+++ b/"):  # the lock's path in this commit
            commit = (commit[0], commit[1], str(Path(line[len("+++ b/"):]).parent))
        elif commit and line.startswith("+") and not line.startswith("+++"):
            body = line[1:]
            if body.strip() and not body.lstrip().startswith("#"):
                first[body.partition("  ")[2].strip()] = commit  # older ones come later
    return first
