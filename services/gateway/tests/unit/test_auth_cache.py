"""The auth caches: answer only while notifications flow, never store a result that raced with a change."""

from __future__ import annotations

from gateway.adapters.auth_changes import AuthCache, AuthCaches


def trusted_cache(*, max_entries: int = 100, max_age_s: float = 60.0) -> tuple[AuthCache[str], AuthCaches]:
    cache: AuthCache[str] = AuthCache(max_entries=max_entries, max_age_s=max_age_s)
    caches = AuthCaches([cache])
    caches.trust(True)
    return cache, caches


def test_a_stored_value_is_served_while_trusted() -> None:
    cache, _ = trusted_cache()
    cache.put("session", "alice", cache.generation)
    assert cache.get("session") == "alice"


def test_nothing_is_served_or_stored_without_the_listener() -> None:
    cache, caches = trusted_cache()
    cache.put("session", "alice", cache.generation)
    caches.trust(False)
    assert cache.get("session") is None
    cache.put("session", "alice", cache.generation)
    caches.trust(True)
    assert cache.get("session") is None  # what was stored before the listener came back is gone


def test_a_change_forgets_everything() -> None:
    cache, caches = trusted_cache()
    cache.put("a", "alice", cache.generation)
    cache.put("b", "bob", cache.generation)
    caches.forget_all()
    assert (cache.get("a"), cache.get("b")) == (None, None)


def test_a_read_that_started_before_a_change_is_not_stored() -> None:
    cache, caches = trusted_cache()
    started_under = cache.generation
    caches.forget_all()  # the change commits while the read is in flight
    cache.put("session", "alice (as before the change)", started_under)
    assert cache.get("session") is None


def test_entries_age_out_and_the_oldest_makes_room() -> None:
    aged, _ = trusted_cache(max_age_s=0.0)
    aged.put("session", "alice", aged.generation)
    assert aged.get("session") is None
    small, _ = trusted_cache(max_entries=2)
    for key in ("a", "b", "c"):
        small.put(key, key.upper(), small.generation)
    assert (small.get("a"), small.get("b"), small.get("c")) == (None, "B", "C")


async def test_through_loads_once_and_never_keeps_a_load_a_change_overtook() -> None:
    cache, caches = trusted_cache()
    loads: list[str] = []

    async def load() -> str:
        loads.append("read")
        return "alice"

    assert [await cache.through("session", load) for _ in range(3)] == ["alice"] * 3
    assert loads == ["read"]

    async def overtaken() -> str:
        caches.forget_all()  # a change commits while this read is in flight
        return "bob (as before the change)"

    assert await cache.through("other", overtaken) == "bob (as before the change)"
    assert cache.get("other") is None
