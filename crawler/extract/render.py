"""A record as plain text, laid out like the article page reads."""

from __future__ import annotations


def record_as_text(record: dict) -> str:
    parts = []
    if record.get("breadcrumb"):
        parts.append(" » ".join(item["name"] for item in record["breadcrumb"]))
    if record.get("title"):
        parts.append(record["title"])
    if record.get("body_text"):
        parts.append(record["body_text"])
    if record.get("authors"):
        parts.append(", ".join(record["authors"]))
    if record.get("related"):
        parts.append("You may also like")
        parts.append("\n".join(item["title"] for item in record["related"]))
    return "\n\n".join(parts)
