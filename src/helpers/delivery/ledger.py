"""The delivery ledger ``output/deliveries.jsonl``: one line per address and briefing version sent.

A briefing version is its manifest key and the hash of what its reader gets (``content_hash``:
its words and figures, :mod:`helpers.render.content`): a re-render that changes no word and no
figure — a code deploy, a new template — is the same version and is not sent again; a changed
figure is. Failed sends are written too (``status: failed``) and tried again next time.

Lines written before content hashes named a version by its render fingerprint
(``fingerprint.total``); they are still read. A briefing first re-rendered after the upgrade
carries ``earlier`` (the fingerprint it was sent under and the content it had then, taken from
its executed notebook by the batch), so an unchanged briefing is not mailed again either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from helpers.render.catalog import entry_key

LEDGER_NAME = "deliveries.jsonl"


def version(entry: Mapping[str, Any]) -> str:
    """The identity of what one rendered briefing says (by its content hash; an entry rendered
    before content hashes, by its fingerprint)."""
    kind, territory, parameters = entry_key(entry)
    if entry.get("content_hash"):
        return f"{kind}|{territory}|{parameters}|content:{entry['content_hash']}"
    return _fingerprint_version(entry, (entry.get("fingerprint") or {}).get("total"))


def _fingerprint_version(entry: Mapping[str, Any], total: str | None) -> str:
    """A version as ledger lines before content hashes name it."""
    kind, territory, parameters = entry_key(entry)
    return f"{kind}|{territory}|{parameters}|{total or entry.get('rendered_at') or ''}"


def delivered(address: str, entry: Mapping[str, Any], done: set[tuple[str, str]]) -> bool:
    """Whether ``address`` already has what ``entry`` says: this content, or — for a ledger line
    of the fingerprint format — the same content under the fingerprint it was sent with."""
    if (address, version(entry)) in done:
        return True
    earlier = entry.get("earlier") or {}
    return bool(entry.get("content_hash")) and earlier.get("content_hash") == entry.get("content_hash") \
        and (address, _fingerprint_version(entry, earlier.get("fingerprint"))) in done


def sent(output_dir: Path) -> set[tuple[str, str]]:
    """(address, version) pairs already delivered."""
    path = output_dir / LEDGER_NAME
    done: set[tuple[str, str]] = set()
    if not path.exists():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("status") == "sent":
            done.update((address, v) for address in record.get("addresses", [])
                        for v in record.get("versions", []))
    return done


def unsent(output_dir: Path) -> list[dict[str, Any]]:
    """Failed sends not followed by a successful one to the same list: still to be delivered."""
    path = output_dir / LEDGER_NAME
    last: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            last[str(record.get("recipient"))] = record
    return [r for r in last.values() if r.get("status") == "failed"]


def append(output_dir: Path, records: Iterable[Mapping[str, Any]]) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    with (output_dir / LEDGER_NAME).open("a", encoding="utf-8") as log:
        for record in records:
            log.write(json.dumps(dict(record), ensure_ascii=False, default=str) + "\n")
