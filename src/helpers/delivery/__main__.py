"""Mail what is new in the catalog: ``python -m helpers.delivery [--dry-run]`` (``make deliver``).

Exit code 0 when everything new was sent (or there was nothing), 1 when a send failed after its
retries or failed for good (it is tried again next time), 2 when ``params/recipients.yml``, its
contacts file or a delivery setting (``SMTP_*``, ``CATALOG_URL``, ``MAIL_MAX_MB``) is invalid —
then nothing is sent.
"""

from __future__ import annotations

import argparse
import os
import sys

from helpers.cli import run
from helpers.config import MailSettingsError, mail_settings, settings
from helpers.delivery.deliver import deliver
from helpers.delivery.recipients import RecipientsError, load_recipients


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", default=os.environ.get("DRY_RUN") == "1",
                        help="только показать, что кому ушло бы")
    args = parser.parse_args(argv)
    try:
        mail = mail_settings()
    except MailSettingsError as exc:
        sys.stderr.write(f"Рассылка не выполнена: {exc}\n")
        return 2
    try:
        recipients = load_recipients()
    except RecipientsError as exc:
        sys.stderr.write(f"Список адресатов не принят:\n{exc}\n")
        return 2
    if not recipients:
        _say("Адресатов нет: params/recipients.yml не найден или пуст.")
        return 0
    report = deliver(recipients, settings().output_dir, mail, dry_run=args.dry_run, say=_say)
    if not args.dry_run:
        _say(f"Отправлено писем: {report.sent}; не отправлено: {report.failed}")
    return report.exit_code


if __name__ == "__main__":
    raise SystemExit(run(main))
