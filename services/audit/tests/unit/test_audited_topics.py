from audit.entrypoints.chain_consumer import audited_topics
from audit.settings import Settings
from canonical.testing import generate_identity_keys
from canonical.web.runtime import ServiceRuntime


def test_the_log_reads_every_context_but_its_own_checkpoint_topic() -> None:
    keys = generate_identity_keys()
    settings = Settings(
        database_url="postgresql://audit@127.0.0.1:1/audit",
        kafka_topic_prefix="t.",
        sentry_internal_verify_key=keys.public_setting,
        sentry_audit_signing_key=keys.private_setting,
    )
    runtime = ServiceRuntime(settings)
    topics = audited_topics(runtime)
    assert "t.audit.v1" in runtime.topics()
    assert "t.audit.v1" not in topics
    assert "t.catalog.v1" in topics
    assert len(topics) == len(runtime.topics()) - 1


def test_the_signing_key_must_be_an_ed25519_seed() -> None:
    keys = generate_identity_keys()
    settings = Settings(
        database_url="postgresql://audit@127.0.0.1:1/audit",
        sentry_internal_verify_key=keys.public_setting,
        sentry_audit_signing_key=keys.private_setting,
    )
    assert settings.checkpoint_signing_key().public_key() == keys.private.public_key()
    problems = Settings.secret_rules["SENTRY_AUDIT_SIGNING_KEY"]("SENTRY_AUDIT_SIGNING_KEY", "too-short")
    assert problems is not None
    assert "SENTRY_AUDIT_SIGNING_KEY" in problems.message()
