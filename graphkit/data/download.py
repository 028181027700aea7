"""Checksummed, atomic, non-interactive downloads and safe archive extraction.

:func:`download` streams a URL (``http://``, ``https://`` or ``file://``) into a temporary file
next to the destination, hashes it on the fly, and renames it into place only when the SHA-256
matches, so an interrupted or corrupted download never leaves a file that looks complete.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tqdm.auto import tqdm

from graphkit.atomic import atomic_open
from graphkit.errors import ChecksumError, DatasetNotFoundError, FileFormatError, GraphkitError

__all__ = ["download", "extract_zip", "sha256_file", "verify_file"]

_CHUNK = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 digest of a file as 64 lower-case hex digits (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(path: str | os.PathLike, sha256: str) -> None:
    """Check that ``path`` has the SHA-256 digest ``sha256``.

    Args:
        path: the file to check.
        sha256: expected digest, 64 hex digits (case-insensitive).

    Raises:
        ChecksumError: naming the file, the expected and the actual digest.
    """
    expected = _normalise_digest(sha256)
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumError(
            f"{path}: SHA-256 mismatch: expected {expected}, got {actual}. The file is corrupted "
            "or a different version; delete it and download it again (download=True / --download)."
        )


def download(
    url: str, dest: str | os.PathLike, *, sha256: str | None, progress: bool = True
) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying its SHA-256 when one is given.

    The data is streamed into a hidden temporary file in ``dest``'s directory and renamed onto
    ``dest`` only once complete and verified; on any failure the temporary file is removed and
    ``dest`` is left untouched. Nothing is ever asked interactively.

    Args:
        url: ``http(s)://`` or ``file://`` address.
        dest: where the file ends up (its directory is created).
        sha256: expected digest (64 hex digits), or ``None`` to skip verification.
        progress: show a tqdm progress bar on stderr (only when stderr is a terminal).

    Returns:
        ``dest`` as a :class:`~pathlib.Path`.

    Raises:
        DatasetNotFoundError: the URL cannot be fetched (network error, HTTP error, missing
            file); the message says where to put a manually downloaded copy.
        ChecksumError: the downloaded data does not match ``sha256``.
    """
    expected = None if sha256 is None else _normalise_digest(sha256)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(url, headers={"User-Agent": "graphkit"})
    try:
        with atomic_open(dest, suffix=".part") as out:
            actual = _stream(request, out, progress)
            if expected is not None and actual != expected:
                raise ChecksumError(
                    f"download of {url} failed verification: expected SHA-256 {expected}, got "
                    f"{actual}. The server sent a different or corrupted file; nothing was saved "
                    f"to {dest}."
                )
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        if isinstance(exc, GraphkitError):
            raise
        raise DatasetNotFoundError(
            f"could not download {url}: {exc}. Download it manually (e.g. in a browser) and "
            f"save it as {dest}."
        ) from exc
    return dest


def _stream(request: urllib.request.Request, out, progress: bool) -> str:
    """Copy the response body into ``out``; returns its SHA-256 hex digest."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(request, timeout=60) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        with tqdm(
            total=total, unit="B", unit_scale=True, unit_divisor=1024,
            desc=Path(request.full_url).name or request.full_url,
            disable=not progress or not sys.stderr.isatty(),
        ) as bar:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
    return digest.hexdigest()


def extract_zip(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Extract a zip archive into ``dest``, refusing members that would land outside it.

    Every member name is checked before anything is written: absolute paths, ``..`` components
    that climb out of ``dest`` and symbolic links are rejected.

    Args:
        archive: the ``.zip`` file.
        dest: directory to extract into (created).

    Returns:
        ``dest`` as a :class:`~pathlib.Path`.

    Raises:
        FileFormatError: the archive is not a valid zip file or has an unsafe member.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    base = dest.resolve()
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                target = (base / member.filename).resolve()
                is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
                if is_link or os.path.isabs(member.filename) or not target.is_relative_to(base):
                    raise FileFormatError(
                        f"{archive}: unsafe archive member {member.filename!r} (absolute path, "
                        f"symbolic link or path outside {dest}); refusing to extract it."
                    )
            zf.extractall(base)
    except zipfile.BadZipFile as exc:
        raise FileFormatError(
            f"{archive} is not a valid zip file ({exc}); delete it and download it again."
        ) from exc
    return dest


def _normalise_digest(sha256: str) -> str:
    digest = str(sha256).strip().lower()
    if not _HEX64.fullmatch(digest):
        raise GraphkitError(f"sha256 must be 64 hexadecimal digits; got {sha256!r}.")
    return digest
