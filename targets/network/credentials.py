"""Credential material a sandboxed agent command must never read, whatever its grants.

Agents have read credentials out of process memory and configuration files; the sandbox
formats (sandbox-runtime, Claude Code) deny these paths outright. Spelled for sandbox-runtime:
absolute, `~/` for the home directory, or relative to the working directory (`**/` at any depth).
"""
from __future__ import annotations

from typing import Mapping

CREDENTIAL_PATHS: Mapping[str, str] = {
    "/proc/*/environ": "other processes' environments (tokens passed as variables)",
    "/var/run/secrets/kubernetes.io/serviceaccount": "the pod's Kubernetes service account token",
    "~/.aws": "AWS CLI credentials and SSO caches",
    "~/.azure": "Azure CLI tokens",
    "~/.config/gcloud": "Google Cloud credentials",
    "~/.config/gh": "GitHub CLI token",
    "~/.docker/config.json": "registry credentials",
    "~/.git-credentials": "git credential store",
    "~/.kube": "kubeconfig credentials",
    "~/.netrc": "HTTP credentials",
    "~/.ssh": "SSH keys",
    "~/.vault-token": "Vault token",
    "**/.env": "dotenv files",
    "**/.env.*": "dotenv files (.env.local, .env.production, ...)",
}
