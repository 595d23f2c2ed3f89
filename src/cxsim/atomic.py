"""Atomic file writes: every file cxsim writes appears whole or not at all.

Serves the analyst's need "never lose a long job": a run killed (SIGKILL,
power cut, full disk) while writing leaves either the previous file or the
new one, never half a file. Each writer writes to a temporary name in the
same folder, flushes it to disk, then renames it over the target (a rename
within one file system is atomic on POSIX and Windows).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["atomic_path", "write_bytes", "write_text", "write_json", "write_frame", "FRAME_SUFFIXES"]

#: File types :func:`write_frame` knows.
FRAME_SUFFIXES = (".csv", ".parquet")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it to ``target``.

    On an exception the temporary file is removed and ``target`` is left as
    it was. The folder of ``target`` is created if needed.

    Example::

        with atomic_path("out/x.csv") as tmp:
            df.to_csv(tmp)
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # a unique name (not mkstemp: its 0600 mode would survive the rename; writers create the file with the umask)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)


def _fsync(path: Path) -> None:
    # the rename must not reach the disk before the data does (power loss)
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform/file system
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | os.PathLike, text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    write_bytes(target, text.encode("utf-8"))


def write_json(target: str | os.PathLike, data: Any) -> None:
    """Write ``data`` as indented JSON atomically."""
    write_text(target, json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_frame(df, target: str | os.PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Write a DataFrame to ``.csv`` or ``.parquet`` atomically, without the index.

    Args:
        df: the frame.
        target: a path ending in ``.csv`` or ``.parquet``.
        metadata: for Parquet, extra key/value text stored in the file's
            schema metadata (e.g. the full scenario TOML), readable with
            ``pyarrow.parquet.read_schema(path).metadata``. Ignored for CSV.

    Raises:
        ValueError: ``target`` has another suffix.
    """
    target = Path(target)
    if target.suffix not in FRAME_SUFFIXES:
        raise ValueError(f"{target}: use a .csv or .parquet file name")
    with atomic_path(target) as tmp:
        if target.suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            if metadata:
                merged = dict(table.schema.metadata or {})
                merged.update({k.encode(): str(v).encode() for k, v in metadata.items()})
                table = table.replace_schema_metadata(merged)
            pq.write_table(table, tmp)
