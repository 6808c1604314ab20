"""Decide single requests against compiled artifacts, the way their enforcing service would."""
