"""Privacy rule 5: export and erase every comment of one email address, on the person's request.

The export has the shape of WordPress's personal-data export (`export.json`): groups, each with a
label, a description and items, each item a list of `{"name", "value"}` pairs. Erasure anonymizes
as WordPress's comment eraser does: the author becomes "Anonymous" and every field that points to
the person goes. Both are recorded in the audit trail with counts only, never the address.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from service.privacy.email_vault import KEY_FILE_NAME, EmailVault, load_or_create_master_key
from service.settings import Settings
from service.sites.settings import Site
from service.store import Store
from service.store.records import AkismetReport, Erasure, PersonalComment

REMOVED_CONTENT = "[comment removed at the author's request]"
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_address(text: str) -> str:
    """The address as given, trimmed; a clear error for something that is not one."""
    address = text.strip()
    if len(address) > 254 or not _ADDRESS.match(address):
        raise ValueError("--email: not an email address")
    return address


def vault_for(settings: Settings) -> EmailVault:
    """The server's vault. Never makes a new key: with a fresh key no address would be found,
    and a privacy request must not silently answer "nothing stored"."""
    if not settings.secret_key and not (settings.data_dir / KEY_FILE_NAME).exists():
        raise ValueError(
            f"no secret key: {settings.data_dir / KEY_FILE_NAME} does not exist; "
            "give --data-dir (the server's data folder) or --secret-key"
        )
    return EmailVault(load_or_create_master_key(settings.secret_key, settings.data_dir))


async def check_key(store: Store, vault: EmailVault) -> None:
    """Refuses a key that cannot decrypt the addresses this database holds (the wrong data folder)."""
    sample = await store.any_email_enc()
    if sample is not None and vault.decrypt(sample) is None:
        raise ValueError("the secret key does not match this database; give the server's --data-dir or --secret-key")


async def export_personal_data(store: Store, vault: EmailVault, address: str, actor: str = "cli") -> dict[str, Any]:
    """Everything stored about the address, as a WordPress-style personal-data export document."""
    await check_key(store, vault)
    email_hash = vault.lookup_hash(address)
    comments = await store.comments_by_email_hash(email_hash)
    reports = await store.reports_by_email_hash(email_hash)
    sites = {site.id: site for site in await store.list_sites()}
    groups: dict[str, Any] = {
        "about": {
            "group_label": "About",
            "group_description": "Overview of export report.",
            "items": {
                "about-1": [
                    {"name": "Report generated for", "value": address},
                    {"name": "On", "value": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")},
                ]
            },
        },
        "comments": {
            "group_label": "Comments",
            "group_description": "User's comment data.",
            "items": {f"comment-{c.id}": _comment_item(c, vault, sites.get(c.site_id)) for c in comments},
        },
    }
    if reports:
        groups["spam-reports"] = {
            "group_label": "Spam and ham reports",
            "group_description": "Comments a site reported as spam or not spam (Akismet API).",
            "items": {f"report-{n}": _report_item(r, vault) for n, r in enumerate(reports, start=1)},
        }
    await store.record_audit(actor, "privacy_export", None, {"comments": len(comments), "reports": len(reports)})
    return {f"Personal Data Export for {address}": groups}


async def erase_personal_data(
    store: Store, vault: EmailVault, address: str, remove_content: bool = False, actor: str = "cli"
) -> Erasure:
    """Anonymizes every comment of the address; with `remove_content` the published text goes too."""
    await check_key(store, vault)
    return await store.erase_author(vault.lookup_hash(address), REMOVED_CONTENT if remove_content else None, actor)


def _comment_item(comment: PersonalComment, vault: EmailVault, site: Site | None) -> list[dict[str, str]]:
    # The person gets back what they sent: the original text when masking changed the published one.
    original = vault.decrypt(comment.content_enc) if comment.content_enc else None
    link = urljoin(site.url, site.article_url(comment.post_id)) + f"#comment-{comment.id}" if site else ""
    return _pairs(
        ("Comment Author", comment.author),
        ("Comment Author Email", vault.decrypt(comment.email_enc) if comment.email_enc else None),
        ("Comment Author URL", comment.url),
        ("Comment Author IP", comment.ip),
        ("Comment Author User Agent", comment.user_agent),
        ("Comment Date", comment.created_at),
        ("Comment Content", original or comment.content),
        ("Published Content", comment.content if original else None),
        ("Comment Status", comment.status),
        ("Comment URL", link),
    )


def _report_item(report: AkismetReport, vault: EmailVault) -> list[dict[str, str]]:
    original = vault.decrypt(report.content_enc) if report.content_enc else None
    return _pairs(
        ("Report", report.label),
        ("Comment Author", report.author),
        ("Comment Author URL", report.url),
        ("Comment Content", original or report.content),
        ("Report Date", report.created_at),
    )


def _pairs(*fields: tuple[str, str | None]) -> list[dict[str, str]]:
    """WordPress's name/value data, leaving out empty values as its exporters do."""
    return [{"name": name, "value": value} for name, value in fields if value]
