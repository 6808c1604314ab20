"""`python -m agentpol`."""
from .cli import run

run()
