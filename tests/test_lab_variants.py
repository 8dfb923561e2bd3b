"""The capstone's variants on their own: an unknown variant or ticket is named in the error, the kit's are there."""

import pytest

from chatkit.lab.variants import VARIANTS, TicketError, ticket_for, variant_of


def test_an_unknown_variant_or_ticket_is_named_in_the_error() -> None:
    with pytest.raises(TicketError, match="no variant 'nope'"):
        ticket_for("seed", "team-01", "nope")
    with pytest.raises(TicketError, match="not a ticket"):
        variant_of("AAAAAAGI")
    assert {"no-replay-check", "silent-repin"} <= set(VARIANTS)
