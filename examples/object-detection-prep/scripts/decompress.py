"""Extract the one .tar.gz of a folder (seed 003's decompress-data-job: `tar --no-same-owner -xzvf
ARCHIVE -C /pets_data`), safely, listing what it extracts as tar -v does.

    python decompress.py --archive DIR --out DIR

The archive's own folders are kept (images.tar.gz holds images/..., so OUT/images/<name>.jpg).
Only files and folders are extracted, and only inside OUT: a link, a device, an absolute path or
a '..' stops the extraction with an error. Owners are not restored (tar --no-same-owner), and
modes are made plain. Where Python has tarfile's "data" filter (3.11.4+ and backports) it checks
the same again.
"""

from __future__ import annotations

import argparse
import os
import sys
import tarfile
from pathlib import Path

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")


def find_archive(folder: Path) -> Path:
    """The one archive in ``folder`` (or ``folder`` itself when it is a file)."""
    if folder.is_file():
        return folder
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES))
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise SystemExit(f"{folder} should hold exactly one {'/'.join(ARCHIVE_SUFFIXES)} archive; found: {names}")
    return found[0]


def checked_members(tar: tarfile.TarFile, out: Path) -> list[tarfile.TarInfo]:
    """The members, when every one is a file or folder that stays inside ``out`` (the fallback
    for Pythons without tarfile's extraction filters)."""
    root = out.resolve()
    members = tar.getmembers()
    for member in members:
        if not (member.isfile() or member.isdir()):
            raise SystemExit(f"refusing {member.name!r}: only files and folders are extracted here")
        target = (root / member.name).resolve()
        if member.name.startswith("/") or ".." in Path(member.name).parts or not target.is_relative_to(root):
            raise SystemExit(f"refusing {member.name!r}: it would be written outside {out}")
        member.mode = 0o755 if member.isdir() else member.mode & 0o755 | 0o644
        member.uid = member.gid = 0
        member.uname = member.gname = ""
    return members


def extract(archive: Path, out: Path) -> list[tarfile.TarInfo]:
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:*") as tar:
        members = checked_members(tar, out)  # the same checks on every Python
        if hasattr(tarfile, "data_filter"):
            try:
                tar.extractall(out, members=members, filter="data")
            except tarfile.FilterError as error:
                raise SystemExit(f"refusing to extract {archive.name}: {error}") from error
        else:
            tar.extractall(out, members=members)
    return members


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", required=True, help="a folder holding one archive, or the archive")
    parser.add_argument("--out", required=True, help="the folder to extract into")
    args = parser.parse_args()
    archive = find_archive(Path(args.archive))
    out = Path(args.out)
    print(f"extracting {archive.name} into {out}", flush=True)
    members = extract(archive, out)
    for member in members:
        print(member.name + ("/" if member.isdir() else ""))
    files = [m for m in members if m.isfile()]
    size = sum(m.size for m in files)
    print(f"{len(files)} files ({size:,} bytes) in {len(members) - len(files)} folders "
          f"from {archive.name} ({os.path.getsize(archive):,} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
