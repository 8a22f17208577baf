"""Files a job offers for download: complete, or absent; never half-written.

A file is written beside its final name as `.<name>.part`, flushed to disk, then renamed
over the final name in one step (`os.replace`, atomic on one file system). A full disk, a
crash or a killed worker leaves at most a `.part` file, which no page ever offers and
which `job_reap_stale` removes.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PART_SUFFIX = ".part"


def part_path(final: Path) -> Path:
    return final.with_name(f".{final.name}{PART_SUFFIX}")


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes `final`, on any failure it is removed."""
    temporary = part_path(final)
    try:
        yield temporary
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())  # on disk before the name points at it
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes_atomic(final: Path, content: bytes) -> None:
    with atomic_path(final) as temporary, temporary.open("wb") as handle:
        handle.write(content)
        handle.flush()


def is_disk_full(error: BaseException) -> bool:
    """ENOSPC (no space left) or EDQUOT (quota exceeded), wherever in the chain it was raised."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        error = error.__cause__ or error.__context__
    return False
