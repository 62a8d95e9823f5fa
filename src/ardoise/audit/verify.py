"""Verifier of the audit chains: detects an edited, removed, inserted or reordered record."""

from dataclasses import dataclass

from .models import AuditChainHead, AuditEvent
from .services import GENESIS_HASH, event_hash


@dataclass(frozen=True)
class Problem:
    chain: str
    event_id: int | None
    position: int | None
    reason: str

    def __str__(self) -> str:
        where = f"record id={self.event_id} (position {self.position})" if self.event_id else ""
        return f"chain {self.chain}: {where} {self.reason}".replace("  ", " ")


def verify_chain(chain: str) -> Problem | None:
    """Walk one chain in insertion (id) order; return the first problem found."""
    expected_position = 1
    prev_hash = GENESIS_HASH
    events = AuditEvent.objects.filter(chain=chain).order_by("id")
    for event in events.iterator(chunk_size=2000):
        if event.position != expected_position:
            return Problem(
                chain,
                event.id,
                event.position,
                f"is out of place: expected position {expected_position} "
                "(a record was removed, inserted or reordered)",
            )
        if event.prev_hash != prev_hash:
            return Problem(
                chain,
                event.id,
                event.position,
                "does not link to the record before it (a record was removed or reordered)",
            )
        recomputed = event_hash(
            chain=event.chain,
            position=event.position,
            prev_hash=event.prev_hash,
            at=event.at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            object_repr=event.object_repr,
            before=event.before,
            after=event.after,
        )
        if recomputed != event.hash:
            return Problem(chain, event.id, event.position, "was edited (its hash does not match)")
        prev_hash = event.hash
        expected_position += 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    length = expected_position - 1
    if head is None:
        if length:
            return Problem(chain, None, None, "has records but no chain head")
        return None
    if head.length != length or head.last_hash != prev_hash:
        return Problem(
            chain,
            None,
            head.length,
            f"ends after {length} records but its head says {head.length}: "
            "the newest records were removed or the head was altered",
        )
    return None


def verify_all() -> tuple[int, list[Problem]]:
    """Return (number of chains checked, problems: at most one per chain)."""
    chains = set(AuditChainHead.objects.values_list("chain", flat=True))
    chains |= set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    problems = [p for p in (verify_chain(c) for c in sorted(chains)) if p is not None]
    return len(chains), problems
