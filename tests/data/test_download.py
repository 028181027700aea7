"""Tests of graphkit.data.download: checksums, atomic downloads and safe zip extraction."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from functools import partial

import pytest

from graphkit.data.download import download, extract_zip, sha256_file, verify_file
from graphkit.errors import ChecksumError, DatasetNotFoundError, FileFormatError, GraphkitError

# SHA-256 of b"abc" (FIPS 180-2, appendix B.1)
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.fixture
def source(tmp_path):
    """A 3 MiB file (more than one download chunk) and its digest."""
    path = tmp_path / "src" / "payload.bin"
    path.parent.mkdir()
    payload = bytes(range(256)) * (3 * 4096) + b"tail"
    path.write_bytes(payload)
    return path, hashlib.sha256(payload).hexdigest()


def test_sha256_file_matches_the_fips_test_vector(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    assert sha256_file(path) == ABC_SHA256


def test_verify_file_accepts_the_right_digest_in_any_case(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    verify_file(path, ABC_SHA256.upper())


def test_verify_file_names_file_expected_and_actual(tmp_path):
    path = tmp_path / "abd.txt"
    path.write_bytes(b"abd")
    with pytest.raises(ChecksumError) as info:
        verify_file(path, ABC_SHA256)
    message = str(info.value)
    assert str(path) in message and ABC_SHA256 in message
    assert hashlib.sha256(b"abd").hexdigest() in message


def test_download_file_url_is_atomic_and_verified(tmp_path, source):
    src, digest = source
    dest = tmp_path / "out" / "nested" / "payload.bin"
    result = download(src.as_uri(), dest, sha256=digest, progress=False)
    assert result == dest
    assert dest.read_bytes() == src.read_bytes()
    assert [p.name for p in dest.parent.iterdir()] == ["payload.bin"]  # no temp leftovers


def test_download_without_checksum_and_with_progress_bar(tmp_path, source):
    src, _ = source
    dest = tmp_path / "payload.bin"
    download(src.as_uri(), dest, sha256=None, progress=True)
    assert sha256_file(dest) == sha256_file(src)


def test_download_with_wrong_checksum_leaves_no_file(tmp_path, source):
    src, digest = source
    out = tmp_path / "out"
    out.mkdir()
    url = src.as_uri()
    with pytest.raises(ChecksumError) as info:
        download(url, out / "payload.bin", sha256=ABC_SHA256, progress=False)
    message = str(info.value)
    assert url in message and ABC_SHA256 in message and digest in message
    assert list(out.iterdir()) == []


def test_failed_download_keeps_an_existing_destination(tmp_path, source):
    src, _ = source
    dest = tmp_path / "payload.bin"
    dest.write_bytes(b"previous")
    with pytest.raises(ChecksumError):
        download(src.as_uri(), dest, sha256=ABC_SHA256, progress=False)
    assert dest.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["payload.bin", "src"]


def test_missing_source_raises_not_found_naming_url_and_destination(tmp_path):
    url = (tmp_path / "absent.zip").as_uri()
    dest = tmp_path / "out" / "absent.zip"
    with pytest.raises(DatasetNotFoundError) as info:
        download(url, dest, sha256=None, progress=False)
    message = str(info.value)
    assert url in message and str(dest) in message and "manually" in message
    assert list(dest.parent.iterdir()) == []


def test_unreachable_host_raises_not_found(tmp_path):
    # port 1 on the loopback interface refuses connections immediately
    with pytest.raises(DatasetNotFoundError, match="127.0.0.1:1"):
        download("http://127.0.0.1:1/ddi.zip", tmp_path / "ddi.zip", sha256=None, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_download_over_http_from_a_local_server(tmp_path, source):
    src, digest = source
    handler = partial(_QuietHandler, directory=str(src.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/payload.bin"
        dest = download(url, tmp_path / "dl" / "payload.bin", sha256=digest, progress=False)
        assert dest.read_bytes() == src.read_bytes()
        with pytest.raises(DatasetNotFoundError, match="404"):
            download(url + ".missing", tmp_path / "dl" / "x", sha256=None, progress=False)
    finally:
        server.shutdown()
        server.server_close()
    assert [p.name for p in (tmp_path / "dl").iterdir()] == ["payload.bin"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.mark.parametrize("bad", ["abc", "g" * 64, ABC_SHA256[:-1]])
def test_malformed_digest_is_rejected_before_downloading(tmp_path, source, bad):
    src, _ = source
    with pytest.raises(GraphkitError, match="64 hexadecimal"):
        download(src.as_uri(), tmp_path / "x", sha256=bad, progress=False)
    assert not (tmp_path / "x").exists()


def test_extract_zip_extracts_nested_members(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ddi/raw/edge.csv", "0,1\n")
        zf.writestr("ddi/RELEASE_v1.txt", "v1")
    out = extract_zip(archive, tmp_path / "out")
    assert (out / "ddi" / "raw" / "edge.csv").read_text() == "0,1\n"
    assert (out / "ddi" / "RELEASE_v1.txt").read_text() == "v1"


@pytest.mark.parametrize("member", ["../escape.txt", "ok/../../escape.txt", "/abs/escape.txt"])
def test_extract_zip_rejects_members_escaping_dest(tmp_path, member):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fine.txt", "x")
        zf.writestr(member, "pwned")
    out = tmp_path / "a" / "out"
    with pytest.raises(FileFormatError, match="unsafe archive member"):
        extract_zip(archive, out)
    assert list(out.iterdir()) == []  # nothing extracted, not even the safe member
    assert not (tmp_path / "a" / "escape.txt").exists()
    assert not (tmp_path / "escape.txt").exists()


def test_extract_zip_rejects_symlink_members(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        link = zipfile.ZipInfo("link")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(FileFormatError, match="unsafe archive member"):
        extract_zip(archive, tmp_path / "out")


def test_extract_zip_rejects_a_non_zip(tmp_path):
    archive = tmp_path / "not.zip"
    archive.write_bytes(b"<html>503</html>")
    with pytest.raises(FileFormatError, match="not a valid zip"):
        extract_zip(archive, tmp_path / "out")
