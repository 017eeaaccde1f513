"""Reads Kefu's configuration from the environment, in one place.

Everything the deployment chooses (database, Redis, secrets, debug) comes through here,
so switching between the embedded and the distributed mode is configuration only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[3]


class SettingError(RuntimeError):
    """A setting in the environment that cannot be used; `kefu` says which and exits with 2."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingError(f"{name} must be an integer, got {raw!r}") from exc


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    if raw not in choices:
        raise SettingError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def var_dir() -> Path:
    """Where the embedded mode keeps its SQLite file, secret key and uploads."""
    path = Path(env_str("KEFU_VAR_DIR", str(BASE_DIR / "var")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def served_url_record(url: str) -> None:
    """Remember where `kefu serve` / `kefu demo` serve, so commands that print links to this
    installation (`kefu widget create`) use that address when KEFU_BASE_URL is not set."""
    (var_dir() / "served_url").write_text(url.rstrip("/") + "\n")


def served_url() -> str:
    """The address last recorded by `served_url_record`, or "" when none was."""
    path = var_dir() / "served_url"
    return path.read_text().strip() if path.exists() else ""


def secret_key() -> str:
    """KEFU_SECRET_KEY, or a key generated once and kept under var/ (embedded mode)."""
    configured = env_str("KEFU_SECRET_KEY")
    if configured:
        return configured
    key_file = var_dir() / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
