"""The `suggest` command's arguments to a report on stdout, and the patch with `--write`."""
from __future__ import annotations

import datetime as dt

from agentpol import tree
from agentpol.pipeline import UsageError

from . import render, suggest


def run(args, model, today: dt.date) -> int:
    if not args.log and not args.cloudtrail:
        raise UsageError("suggest: give at least one --log or --cloudtrail file")
    since, until = _when(args.since, "--since"), _when(args.until, "--until")
    if since and until and since >= until:
        raise UsageError("suggest: --since must be before --until")
    found = suggest(model, args.dir, args.log, args.cloudtrail, since, until, today)
    text = render.as_json(found) if args.format == "json" else render.as_markdown(found)
    if args.write:
        for name in sorted(found.patch):
            tree.write_file(found.files[name], found.patch[name])
    print(text, end="")
    return 0


def _when(text: str | None, flag: str) -> dt.datetime | None:
    """A date (midnight UTC) or an RFC 3339 time."""
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag} {text!r}: expected YYYY-MM-DD or an RFC 3339 time") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
