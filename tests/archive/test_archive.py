"""The tar format: round trips keep every byte and link; unsafe entries are refused."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from knitgraph.archive import (
    TreeDigest,
    UnsafeArchiveError,
    extract_chunks,
    extract_tar,
    tar_chunks,
    verify_tar,
    write_tar,
)

from ..trees import describe, make_varied_tree


def _tar(*members: tuple[tarfile.TarInfo, bytes | None]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, content in members:
            if content is not None:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
            else:
                tar.addfile(info)
    buffer.seek(0)
    return buffer


def _file(name: str, content: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), content


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def test_round_trip_keeps_files_dirs_links_and_exec_bits(tmp_path: Path) -> None:
    source = make_varied_tree(tmp_path / "source")
    buffer = io.BytesIO()
    sent = write_tar(source, buffer)
    buffer.seek(0)
    target = tmp_path / "target"
    target.mkdir()
    received = extract_tar(buffer, target)
    assert describe(target) == describe(source)
    assert received.hexdigest() == sent.hexdigest()
    buffer.seek(0)
    assert verify_tar(buffer).hexdigest() == sent.hexdigest()


def test_digest_changes_when_one_byte_changes(tmp_path: Path) -> None:
    source = make_varied_tree(tmp_path / "source")
    before = write_tar(source, io.BytesIO()).hexdigest()
    (source / "nested" / "deeper" / "deepest" / "leaf.txt").write_text("leaF\n")
    assert write_tar(source, io.BytesIO()).hexdigest() != before


def test_dereference_stores_link_targets_as_content(tmp_path: Path) -> None:
    source = make_varied_tree(tmp_path / "source")
    outside = tmp_path / "outside.txt"
    outside.write_text("shared")
    os.symlink(outside, source / "external")
    buffer = io.BytesIO()
    write_tar(source, buffer, dereference=True)
    buffer.seek(0)
    target = tmp_path / "target"
    target.mkdir()
    extract_tar(buffer, target)
    assert (target / "external").read_text() == "shared"
    assert not (target / "external").is_symlink()


def test_writer_refuses_symlink_leaving_the_directory(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    os.symlink("/etc/passwd", source / "evil")
    with pytest.raises(UnsafeArchiveError, match="points outside"):
        write_tar(source, io.BytesIO())


@pytest.mark.parametrize(
    "members",
    [
        pytest.param([_file("../escape.txt")], id="dot-dot"),
        pytest.param([_file("/etc/absolute.txt")], id="absolute-path"),
        pytest.param([_link("evil", "/etc/passwd")], id="absolute-symlink"),
        pytest.param([_link("evil", "../../outside")], id="symlink-up-and-out"),
        pytest.param([_link("hard", "/etc/passwd", tarfile.LNKTYPE)], id="hardlink-outside"),
        pytest.param([_link("p", "."), _link("p/q", "../x")], id="symlink-through-symlink"),
        pytest.param([_link("dir", ".."), _file("dir/escape.txt")], id="write-through-symlink"),
    ],
)
def test_extract_refuses_entries_escaping_the_target(
    tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]
) -> None:
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(UnsafeArchiveError):
        extract_tar(_tar(*members), target)
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "x").exists()


def test_extract_rejects_damaged_archive(tmp_path: Path) -> None:
    data = _tar(_file("a.txt", b"hello" * 1000)).getvalue()
    with pytest.raises(UnsafeArchiveError, match="damaged"):
        extract_tar(io.BytesIO(data[:700]), tmp_path)


def test_a_stream_cut_inside_a_file_is_damaged_whatever_its_chunks(tmp_path: Path) -> None:
    data = _tar(_file("big.bin", os.urandom(3 << 20))).getvalue()
    cut = data[: 2 << 20]
    for size in (4096, 65536, 1 << 20, len(cut)):
        target = tmp_path / f"target-{size}"
        target.mkdir()
        with pytest.raises(UnsafeArchiveError, match="damaged: unexpected end of data"):
            extract_chunks((cut[i : i + size] for i in range(0, len(cut), size)), target)


def test_written_tar_is_one_that_tar_extracts(tmp_path: Path) -> None:
    source = make_varied_tree(tmp_path / "source")
    (source / "large.bin").write_bytes(os.urandom((3 << 20) + 7))  # spans chunks of the writer
    archive = tmp_path / "sent.tar"
    with open(archive, "wb") as out:
        write_tar(source, out)
    target = tmp_path / "target"
    target.mkdir()
    subprocess.run(["tar", "-C", str(target), "-xf", str(archive)], check=True)
    assert describe(target) == describe(source)


def test_a_file_that_shrinks_while_it_is_read_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "log.txt").write_bytes(b"x" * (3 << 20))
    chunks = tar_chunks(source, TreeDigest(), chunk_size=1 << 20)
    next(chunks)
    os.truncate(source / "log.txt", 10)
    with pytest.raises(UnsafeArchiveError, match="shrank while it was read"):
        list(chunks)
