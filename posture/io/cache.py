"""Per-user cache of pose tracks, so that analysing the same clip again is instant.

An entry is keyed by the SHA-256 of the video's bytes, the extraction settings and the
extraction code version; renaming or moving a clip still hits, editing it does not. The
hash itself is remembered per (path, size, modification time) so that a large clip is read
only once. Entries
are :meth:`PoseTrack.save` files. An entry that cannot be read or fails validation is
deleted and rebuilt by the caller.

The folder is ``platformdirs.user_cache_dir("stride-posture")/tracks`` unless the
environment variable ``POSTURE_CACHE_DIR`` names another one (tests use a temporary folder).
The default folder is private to the user (0700). The cache only saves time: when an entry
cannot be written (full disk, no permission) the analysis goes on without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from platformdirs import user_cache_dir

from posture.errors import CacheCorruptError, StorageError
from posture.track import TRUNK_PROFILE_S, PoseTrack

ENV_VAR = "POSTURE_CACHE_DIR"
_CHUNK_BYTES = 1 << 20
log = logging.getLogger(__name__)


def private_dir(path: Path, *, what: str, hint: str) -> Path:
    """Create ``path`` (and its parents) readable by this user only (0700); an existing
    folder of ours is tightened to 0700. Failures become one :class:`StorageError` line."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = path.stat()
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            path.chmod(0o700)
    except OSError as exc:
        raise StorageError(f"The {what} {path} cannot be created or used "
                           f"({exc.strerror or exc}); {hint}") from exc
    if not path.is_dir():
        raise StorageError(f"The {what} {path} is not a folder; {hint}")
    return path


def user_folder(env_var: str, name: str, *, what: str, hint: str) -> Path:
    """The folder named by ``env_var``, else ``name`` in the user's cache; created private."""
    override = os.environ.get(env_var)
    root = Path(override) if override else Path(user_cache_dir("stride-posture")) / name
    return private_dir(root, what=what, hint=hint)


def cache_dir() -> Path:
    """The cache folder (created if missing, private to the user)."""
    return user_folder(ENV_VAR, "tracks", what="pose cache folder",
                       hint=f"set {ENV_VAR} to a folder you can write, or use --no-cache.")


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's content (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            h.update(chunk)
    return h.hexdigest()


_HASH_INDEX = "content-hashes.json"


def content_hash(path: str | os.PathLike) -> str:
    """:func:`file_sha256`, remembered per (absolute path, size, modification time).

    Hashing a 10-minute 4K clip takes seconds; the index makes a repeat analysis of an
    unchanged file skip it. Any change of size or modification time hashes again.
    """
    p = Path(path).resolve()
    st = p.stat()
    stamp = f"{p}|{st.st_size}|{st.st_mtime_ns}"
    index_path = cache_dir() / _HASH_INDEX
    try:
        index = json.loads(index_path.read_text())
        if not isinstance(index, dict):
            index = {}
    except (OSError, ValueError):
        index = {}
    if isinstance(index.get(stamp), str):
        return index[stamp]
    digest = file_sha256(p)
    index[stamp] = digest
    if len(index) > 1000:  # keep the index small: drop the oldest entries
        index = dict(list(index.items())[-1000:])
    try:
        _write_json_atomic(index_path, index)
    except OSError as exc:  # the index only saves time; never fail an analysis over it
        log.warning("could not update %s: %s", index_path, exc)
    return digest


def _write_json_atomic(path: Path, obj: object) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(obj, fh)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


_OWNERS = "videos.json"
_KEY_VIDEO: dict[str, str] = {}
"""Cache key -> content hash of its video, for keys computed in this process."""


def cache_key(path: str | os.PathLike, settings: dict, *, code_version: str) -> str:
    """Key of a track: content hash + settings (JSON, sorted) + extraction code version."""
    digest = content_hash(path)
    blob = json.dumps({"file_sha256": digest, "settings": settings,
                       "code_version": code_version}, sort_keys=True, default=str)
    key = hashlib.sha256(blob.encode()).hexdigest()
    _KEY_VIDEO[key] = digest
    return key


def _read_json(path: Path) -> dict:
    try:
        obj = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return obj if isinstance(obj, dict) else {}


def _remember_owner(key: str) -> None:
    """Note which video an entry belongs to (so :func:`forget_video` finds it)."""
    digest = _KEY_VIDEO.get(key)
    if digest is None:
        return
    path = cache_dir() / _OWNERS
    owners = _read_json(path)
    owners[key] = digest
    try:
        _write_json_atomic(path, owners)
    except OSError as exc:
        log.warning("could not update %s: %s", path, exc)


def forget_video(sha256_hex: str) -> int:
    """Delete every cache file about one video (pose tracks and remembered hashes).

    Entries are found by the owner index, and (for entries written before it existed) by
    the name of the video they were made from when that name is the content hash, as the
    app's uploads are. Returns the number of pose tracks deleted.
    """
    root = cache_dir()
    owners = _read_json(root / _OWNERS)
    keys = {k for k, v in owners.items() if v == sha256_hex}
    stem = sha256_hex[:16]
    for entry in root.glob("*.npz"):
        if entry.stem in keys:
            continue
        try:
            with np.load(entry, allow_pickle=False) as z:
                info_path = json.loads(str(z["meta"]))["info"]["path"]
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            continue
        if Path(str(info_path)).stem == stem:
            keys.add(entry.stem)
    n = 0
    for key in keys:
        if entry_path(key).exists():
            entry_path(key).unlink()
            n += 1
        owners.pop(key, None)
    index = _read_json(root / _HASH_INDEX)
    kept = {k: v for k, v in index.items() if v != sha256_hex}
    for name, doc, old in ((_OWNERS, owners, None), (_HASH_INDEX, kept, index)):
        if old is None or len(doc) != len(old):
            _write_json_atomic(root / name, doc)
    return n


def entry_path(key: str) -> Path:
    return cache_dir() / f"{key}.npz"


def read_entry(key: str) -> PoseTrack:
    """Load an entry; raises ``FileNotFoundError`` if absent, ``CacheCorruptError`` if bad."""
    path = entry_path(key)
    if not path.exists():
        raise FileNotFoundError(path)
    try:
        track = PoseTrack.load(path)
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile,
            json.JSONDecodeError) as exc:
        raise CacheCorruptError(f"The cached landmarks {path.name} are damaged.") from exc
    if not np.allclose(meta.get("trunk_profile_s", []), TRUNK_PROFILE_S):
        raise CacheCorruptError(f"The cached landmarks {path.name} use other trunk stations.")
    return track


def load(key: str, *, video_path: str | os.PathLike | None = None) -> PoseTrack | None:
    """The cached track, or ``None`` on a miss. Damaged entries are deleted (a miss)."""
    try:
        track = read_entry(key)
    except FileNotFoundError:
        return None
    except CacheCorruptError:
        entry_path(key).unlink(missing_ok=True)
        return None
    if video_path is not None:
        # Same content under another name: report the path the user gave this time.
        track = replace(track, info=replace(track.info, path=str(video_path)))
    return track


def store(key: str, track: PoseTrack) -> Path | None:
    """Write an entry atomically (a crash mid-write never leaves a half file under the key).

    Returns None, with a logged warning and nothing left behind, when the entry cannot be
    written (full disk, no permission): the caller keeps its track in memory.
    """
    final = entry_path(key)
    try:
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-", suffix=".npz")
    except OSError as exc:
        log.warning("pose cache not written (%s): %s", final.parent, exc)
        return None
    os.close(fd)
    try:
        track.save(tmp)
        os.replace(tmp, final)
        _remember_owner(key)
    except OSError as exc:
        log.warning("pose cache not written (%s): %s", final, exc)
        return None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return final
