"""The delivery ledger ``output/deliveries.jsonl``: one line per address and briefing version sent.

A briefing version is its manifest key and fingerprint (``fingerprint.total``): a briefing
re-rendered from the same inputs is the same version and is not sent again; a changed one is.
Failed sends are written too (``status: failed``) and tried again on the next delivery.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from helpers.render.catalog import entry_key

LEDGER_NAME = "deliveries.jsonl"


def version(entry: Mapping[str, Any]) -> str:
    """The identity of one rendered version of a briefing."""
    kind, territory, parameters = entry_key(entry)
    total = (entry.get("fingerprint") or {}).get("total") or entry.get("rendered_at") or ""
    return f"{kind}|{territory}|{parameters}|{total}"


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
