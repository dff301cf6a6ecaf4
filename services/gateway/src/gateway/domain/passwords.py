"""Password policy (v1.7 rules, checked in v1.7's order: the first failure is the one reported)."""

from __future__ import annotations

from gateway.domain.errors import WeakPassword

MIN_LENGTH = 8
MAX_LENGTH = 256


def check_password_policy(password: str) -> None:
    # The seeded default must never be chosen again, whatever its case or padding.
    if password.strip().lower() == "admin":
        raise WeakPassword("The password 'admin' is not allowed.")
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Password must be at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Password must be at most {MAX_LENGTH} characters.")
    if not any(c.isalpha() for c in password):
        raise WeakPassword("Password must contain at least one letter.")
    if not any(c.isdigit() for c in password):
        raise WeakPassword("Password must contain at least one digit.")
