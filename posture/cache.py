"""Per-user cache of pose tracks, so that analysing the same clip again is instant.

An entry is keyed by the SHA-256 of the video's bytes, the extraction settings and the
extraction code version; renaming or moving a clip still hits, editing it does not. The
hash itself is remembered per (path, size, modification time) so that a large clip is read
only once. Entries
are :meth:`PoseTrack.save` files. An entry that cannot be read or fails validation is
deleted and rebuilt by the caller.

The folder is ``platformdirs.user_cache_dir("stride-posture")/tracks`` unless the
environment variable ``POSTURE_CACHE_DIR`` names another one (tests use a temporary folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from platformdirs import user_cache_dir

from posture.errors import CacheCorruptError
from posture.track import TRUNK_PROFILE_S, PoseTrack

ENV_VAR = "POSTURE_CACHE_DIR"
_CHUNK_BYTES = 1 << 20


def cache_dir() -> Path:
    """The cache folder (created if missing)."""
    override = os.environ.get(ENV_VAR)
    root = Path(override) if override else Path(user_cache_dir("stride-posture")) / "tracks"
    root.mkdir(parents=True, exist_ok=True)
    return root


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
    fd, tmp = tempfile.mkstemp(dir=index_path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(index, fh)
    os.replace(tmp, index_path)
    return digest


def cache_key(path: str | os.PathLike, settings: dict, *, code_version: str) -> str:
    """Key of a track: content hash + settings (JSON, sorted) + extraction code version."""
    blob = json.dumps({"file_sha256": content_hash(path), "settings": settings,
                       "code_version": code_version}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


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


def store(key: str, track: PoseTrack) -> Path:
    """Write an entry atomically (a crash mid-write never leaves a half file under the key)."""
    final = entry_path(key)
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-", suffix=".npz")
    os.close(fd)
    try:
        track.save(tmp)
        os.replace(tmp, final)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return final
