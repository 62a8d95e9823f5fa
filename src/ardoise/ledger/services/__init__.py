"""Writing to the ledger: one atomic, audited function per business action.

Lock order, the same in every path so that two actions never deadlock: the customer row
(it guards the customer's lettering codes), then the open items in id order, then the audit
chain head. Invoicing calls in here from inside its issuing transaction, after its own locks.
`post_items` locks the customers of its items before it writes and audits them, so a caller
that posts an item and then allocates it (a credit note matched with its invoice) keeps the
order; a caller that records audit events of its own before posting or allocating on other
customers takes `lock_customers` for all of them first.

An allocation may never take more than what is left on either item, not only today but at
every date from its effective date on: allocations take effect at their items' dates, so a
reversal dated later leaves the earlier dates as they were (see `_lowest_residual_from`).

The package, by concept: `items` (posting open items), `allocations` (matching, reversing),
`operations` (write-off, refund), `periods` (closing months) and `common` (what they share,
including the locks). Every name callers use is importable from here.
"""

from .allocations import (
    allocate,
    allocate_available,
    allocate_many,
    allocate_unchecked,
    reverse_allocation,
)
from .common import (
    ZERO,
    allocation_snapshot,
    closed_months,
    item_snapshot,
    lettering_code,
    lock_customers,
    residual_now,
)

# Private helpers that `ledger.bulk` shares with the actions here (same rules, set-based).
from .common import _amount as _amount
from .common import _check_pair as _check_pair
from .items import post_item, post_items
from .operations import refund_credit, write_off_residual
from .periods import close_period, reopen_period

__all__ = [
    "ZERO",
    "allocate",
    "allocate_available",
    "allocate_many",
    "allocate_unchecked",
    "allocation_snapshot",
    "close_period",
    "closed_months",
    "item_snapshot",
    "lettering_code",
    "lock_customers",
    "post_item",
    "post_items",
    "refund_credit",
    "reopen_period",
    "residual_now",
    "reverse_allocation",
    "write_off_residual",
]
