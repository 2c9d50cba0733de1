"""Writing a file complete or not at all, without following what someone planted beside it.

Every file kp writes that holds salts or keys (issued, pending and signed documents, keystores),
and the deployments file that decides which contract is kp's, is written here: to ``NAME.tmp``
created fresh (``O_EXCL``: never an existing file, ``O_NOFOLLOW``: never through a symlink), given
its mode on the descriptor, synced, then renamed over ``NAME``.
"""

from __future__ import annotations

import os
from pathlib import Path

from kp_py.errors import KPError

PRIVATE = 0o600  # salts and keys: the owner's only
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def write_atomic(path: Path, text: str, *, mode: int = PRIVATE, replace: bool = True) -> None:
    """Write ``text`` (and a newline) to ``path`` with exactly ``mode``, atomically. Whatever is at
    ``NAME.tmp`` (a crash's leftover, or a planted symlink) is removed, never written through.
    ``replace=False`` refuses to overwrite an existing ``path`` (a keystore)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)  # unlink removes a symlink itself, never its target
    try:
        descriptor = os.open(temporary, _CREATE, PRIVATE)
    except FileExistsError:
        raise KPError(
            f"{temporary} reappeared while kp wrote {path.name}: is another program writing there?"
        ) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), mode)  # the mode asked for, whatever the umask
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            _link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def _link(temporary: Path, path: Path) -> None:
    """Give ``temporary`` the name ``path`` only if nothing (not even a dangling symlink) has it."""
    try:
        os.link(temporary, path, follow_symlinks=False)
    except FileExistsError:
        raise KPError(f"{path} already exists") from None
