"""Scheduled rendering: jobs of ``params/schedule.yml`` run at their times, one render at a time.

config (the file, validated) → triggers (cron semantics and time zones, active windows, new data)
→ ledger (what ran, with what outcome) → job (one run of a job under the batch lock) → runner
(the foreground loop: catch-up, retries, deadlines) → export (crontab lines, systemd units) →
status. ``python -m helpers.schedule`` is the command line.
"""
