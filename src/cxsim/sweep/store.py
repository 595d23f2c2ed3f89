"""The sweep directory: a Parquet dataset plus a manifest, safe to kill at any moment.

Layout of ``DIR``::

    _sweep.json          manifest: spec, base scenario, design points, run seeds,
                         cxsim version, chunk size, chunks done, sessions
    part-00000.parquet   the rows of chunk 0 (written once, never modified)
    part-00001.parquet   ...

A chunk's rows are written to a hidden temporary name, flushed to disk, and
renamed into place: a ``part-*.parquet`` file is therefore always complete,
and it is the proof that its chunk is done (the manifest's list of done
chunks is refreshed from the files, because a kill can land between the
rename and the manifest update). A resumed sweep deletes leftover
temporaries and runs only the chunks that have no file, so every run ends up
in the dataset exactly once.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cxsim import atomic
from cxsim.sweep.spec import SweepError

MANIFEST = "_sweep.json"
FORMAT = "cxsim-sweep/1"
_PART = re.compile(r"^part-(\d+)\.parquet$")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SweepStore:
    """One sweep directory (see the module docstring for its layout)."""

    def __init__(self, out: str | os.PathLike, manifest: dict):
        self.out = Path(out)
        self.manifest = manifest

    # ---------------------------------------------------------------- open

    @classmethod
    def create(cls, out: str | os.PathLike, manifest: dict) -> SweepStore:
        """Start a new sweep in ``out`` (which must be missing or empty)."""
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise SweepError(f"--out {out}: exists and is not a directory")
        out.mkdir(parents=True, exist_ok=True)
        if any(out.iterdir()):
            raise SweepError(
                f"--out {out}: not empty; refusing to overwrite (continue it with --resume, or pick a new DIR)"
            )
        store = cls(out, dict(manifest, format=FORMAT, created=now(), done_chunks=[], finished=False, sessions=[]))
        store.save()
        return store

    @classmethod
    def open(cls, out: str | os.PathLike) -> SweepStore:
        """Open an existing sweep directory."""
        out = Path(out)
        path = out / MANIFEST
        if not path.exists():
            what = "does not exist" if not out.exists() else f"has no {MANIFEST}: not a sweep directory"
            raise SweepError(f"{out}: {what}")
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SweepError(f"{path}: unreadable manifest ({exc})") from None
        if manifest.get("format") != FORMAT:
            raise SweepError(f"{path}: unknown manifest format {manifest.get('format')!r} (expected {FORMAT})")
        return cls(out, manifest)

    def save(self) -> None:
        self.manifest["updated"] = now()
        atomic.write_text(self.out / MANIFEST, json.dumps(self.manifest, indent=1))

    # -------------------------------------------------------------- chunks

    @property
    def n_chunks(self) -> int:
        return int(self.manifest["chunks"]["count"])

    @property
    def n_runs(self) -> int:
        return int(self.manifest["runs"]["count"])

    def part_path(self, chunk: int) -> Path:
        return self.out / f"part-{chunk:05d}.parquet"

    def chunk_runs(self, chunk: int) -> range:
        size = int(self.manifest["chunks"]["size"])
        return range(chunk * size, min((chunk + 1) * size, self.n_runs))

    def done_chunks(self) -> set[int]:
        """Chunks whose Parquet file is in place (the files are the truth, not the list)."""
        done = set()
        for p in self.out.iterdir():
            m = _PART.match(p.name)
            if m and int(m.group(1)) < self.n_chunks:
                done.add(int(m.group(1)))
        return done

    def runs_done(self, done: set[int] | None = None) -> int:
        done = self.done_chunks() if done is None else done
        return sum(len(self.chunk_runs(c)) for c in done)

    def recover(self) -> set[int]:
        """After a kill: drop half-written temporaries, re-sync the manifest; return done chunks."""
        for p in self.out.iterdir():
            if p.name.startswith(".") and p.name.endswith(".tmp"):
                p.unlink(missing_ok=True)
        done = self.done_chunks()
        self.manifest["done_chunks"] = sorted(done)
        self.manifest["finished"] = len(done) == self.n_chunks
        self.save()
        return done

    def write_chunk(self, chunk: int, frame: pd.DataFrame) -> None:
        """Write one finished chunk (temporary name, fsync, rename), then record it."""
        path = self.part_path(chunk)
        if path.exists():  # cannot happen in one driver; never let a second copy in
            raise SweepError(f"{path}: chunk {chunk} is already written")
        with atomic.atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
        done = set(self.manifest["done_chunks"])
        done.add(chunk)
        self.manifest["done_chunks"] = sorted(done)
        self.manifest["finished"] = len(done) == self.n_chunks
        self.save()

    # ---------------------------------------------------------------- read

    def load(self) -> pd.DataFrame:
        """All rows written so far, in run order (and week order for timeseries)."""
        parts = sorted(self.done_chunks())
        if not parts:
            return pd.DataFrame()
        frames = [pd.read_parquet(self.part_path(c)) for c in parts]
        df = pd.concat(frames, ignore_index=True)
        order = ["run", "week"] if "week" in df.columns else ["run"]
        df = df.sort_values(order, kind="stable").reset_index(drop=True)
        df.attrs["complete"] = len(parts) == self.n_chunks
        return df

    def point(self, i: int) -> dict[str, Any]:
        keys = self.manifest["design"]["factors"]
        return dict(zip(keys, self.manifest["design"]["values"][i], strict=True))


def load(out: str | os.PathLike) -> pd.DataFrame:
    """The rows of a sweep directory as one DataFrame.

    Summary sweeps: one row per run (``run, point, replicate, seed``, the
    varied parameters, ``weeks, bankrupt`` and one outcome column per KPI,
    e.g. ``total_profit``, ``final_nps``). Timeseries sweeps: one row per run
    and week. An unfinished sweep returns the runs done so far
    (``df.attrs["complete"]`` is False).
    """
    return SweepStore.open(out).load()
