"""Settings, secret rules and the boot sequence shared by every service."""
