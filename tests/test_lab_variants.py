"""The capstone's variants on their own: an unknown name is named in the error, and the kit's variants are there."""

import pytest

from chatkit.lab.variants import VARIANTS, VariantStage


def test_an_unknown_variant_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="no variant 'nope'"):
        VariantStage("nope")
    assert {"padding-oracle", "no-replay-check", "ignores-key-change"} <= set(VARIANTS)
