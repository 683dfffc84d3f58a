"""A moderator's decisions: what each one does to a comment, and when it conflicts with another's.

| decision   | to status  | as the label          |
|------------|------------|-----------------------|
| `approve`  | `approved` | ham, publish it       |
| `reject`   | `trash`    | refused (with reason: toxic, off-topic, other), not spam |
| `spam`     | `spam`     | spam                  |
| `not_spam` | `pending`  | ham; back to the queue for approve/reject (WordPress's "Not Spam") |

Two moderators must never handle one comment twice silently. Each decision names the status the
moderator saw (`expected_status`; by default `pending`, or `spam` for `not_spam`), and the store
changes the comment only if it still has that status: otherwise the answer is 409 with the status
it has now. The check and the change run in one transaction, so the race has one winner.
"""

from __future__ import annotations

from typing import Any

# The decision records and the conflict rule the store applies inside its transaction.
from service.store.records import APPROVE as APPROVE
from service.store.records import CONFLICT as CONFLICT
from service.store.records import DECISIONS, NOT_SPAM, REJECT, STATUSES, TO_STATUS, DecisionRequest
from service.store.records import DONE as DONE
from service.store.records import NOT_FOUND as NOT_FOUND
from service.store.records import SPAM as SPAM
from service.store.records import DecisionOutcome as DecisionOutcome
from service.store.records import judge as judge

REJECT_REASONS = ("toxic", "off-topic", "other")
MAX_BULK = 200


def parse_decision(body: Any, comment_id: int, prefix: str = "") -> tuple[DecisionRequest | None, dict[str, str]]:
    """One decision from `{"decision", "reason"?, "expected_status"?}`; errors name the field."""
    errors: dict[str, str] = {}
    if not isinstance(body, dict):
        return None, {prefix.rstrip(".") or "body": "must be a JSON object"}
    # Each value's JSON type is checked before it is compared or looked up: a list or an object
    # is no decision, reason or status (and cannot even be a key of TO_STATUS).
    decision = body.get("decision")
    if not isinstance(decision, str) or decision not in TO_STATUS:
        errors[prefix + "decision"] = f"must be one of {', '.join(DECISIONS)}"
        decision = None
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        errors[prefix + "reason"] = f"must be one of {', '.join(REJECT_REASONS)}"
    reason = reason or None
    if decision == REJECT:
        if reason not in REJECT_REASONS:
            errors.setdefault(prefix + "reason", f"a rejection needs a reason: one of {', '.join(REJECT_REASONS)}")
    elif reason is not None and decision is not None:
        errors.setdefault(prefix + "reason", "only a rejection takes a reason")
    expected = body.get("expected_status")
    if not isinstance(expected, str | None) or (expected and expected not in STATUSES):
        errors[prefix + "expected_status"] = f"must be one of {', '.join(STATUSES)}"
    elif not expected:
        expected = "spam" if decision == NOT_SPAM else "pending"
    if errors or decision is None:
        return None, errors
    return DecisionRequest(comment_id, decision, reason, str(expected)), {}


def parse_bulk(body: Any) -> tuple[list[DecisionRequest], dict[str, str]]:
    """Bulk decisions: `{"items": [{"id", "decision", ...}]}` or `{"ids": [...], "decision", ...}`."""
    if not isinstance(body, dict):
        return [], {"body": "must be a JSON object"}
    if "ids" in body:
        ids = body["ids"]
        shared = {k: v for k, v in body.items() if k != "ids"}
        if not isinstance(ids, list):
            return [], {"ids": "must be a list of comment ids"}
        if len(ids) > MAX_BULK:
            return [], {"ids": f"at most {MAX_BULK} comment ids at once"}
        raw_items: Any = [{**shared, "id": i} for i in ids]
    else:
        raw_items = body.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        return [], {"items": "give a non-empty list of decisions (or ids and one decision)"}
    if len(raw_items) > MAX_BULK:
        return [], {"items": f"at most {MAX_BULK} decisions at once"}
    requests: list[DecisionRequest] = []
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for index, item in enumerate(raw_items):
        prefix = f"items[{index}]."
        comment_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(comment_id, int) or isinstance(comment_id, bool) or not 1 <= comment_id < 2**63:
            errors[prefix + "id"] = "must be a comment id"
            continue
        if comment_id in seen:
            errors[prefix + "id"] = "appears twice"
            continue
        seen.add(comment_id)
        request, item_errors = parse_decision(item, comment_id, prefix)
        errors.update(item_errors)
        if request is not None:
            requests.append(request)
    return requests, errors
