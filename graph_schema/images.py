"""Image references: ``[registry[:port]/]repository[:tag]``, read one way everywhere."""

from __future__ import annotations


def split_image(reference: str) -> tuple[str, str | None]:
    """``(repository, tag)``; the tag follows the last colon of the last path segment, so a
    registry's port (``host:5000/repo``) is never taken for a tag. No tag: None."""
    reference = reference.strip()
    if ":" in reference.rsplit("/", 1)[-1]:
        repository, tag = reference.rsplit(":", 1)
        return repository, tag
    return reference, None
