"""Delivery: the rendered briefings mailed to their readers, each version once.

recipients (``params/recipients.yml``: who gets what) → compose (a Russian message: subject,
HTML and plain-text body with page one's key figures, PDFs attached) → send (``smtplib``, with
retries) → ledger (``output/deliveries.jsonl``: what went to whom, keyed by the briefing's
fingerprint) → deliver (one message per recipient per run with what is new for them).
``python -m helpers.delivery [--dry-run]`` is ``make deliver``.
"""
