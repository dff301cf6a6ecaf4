import pytest

from inbound.domain.mapping.versions import VersionCompare, is_newer


@pytest.mark.parametrize(
    ("strategy", "candidate", "current", "newer"),
    [
        (VersionCompare.ISO_TIMESTAMP, "2026-01-02T00:00:00+00:00", "2026-01-01T23:00:00-02:00", False),
        (VersionCompare.ISO_TIMESTAMP, "2026-01-02T02:00:00+00:00", "2026-01-01T23:00:00-02:00", True),
        (VersionCompare.INTEGER, "10", "9", True),
        (VersionCompare.INTEGER, "9", "10", False),
        (VersionCompare.LEXICOGRAPHIC, "10", "9", False),
        (VersionCompare.LEXICOGRAPHIC, "b", "a", True),
        (VersionCompare.INTEGER, "7", "7", False),
    ],
)
def test_each_strategy_orders_versions_its_own_way(
    strategy: VersionCompare, candidate: str, current: str, newer: bool
) -> None:
    assert is_newer(strategy, candidate, current) is newer


def test_unparseable_versions_fall_back_to_string_order() -> None:
    assert is_newer(VersionCompare.INTEGER, "v2", "v1")
    assert is_newer(VersionCompare.ISO_TIMESTAMP, "b-not-a-date", "a-not-a-date")
    # a naive timestamp cannot be ordered against an aware one: compared as text
    assert is_newer(VersionCompare.ISO_TIMESTAMP, "2026-01-02T00:00:00", "2026-01-01T00:00:00+00:00")
