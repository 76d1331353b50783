"""An embedded AWS for development and tests: moto, demo data and an IMDSv2 emulator (``python -m sandbox``)."""
from __future__ import annotations

from sandbox.imds import ImdsEmulator, InstanceIdentity
from sandbox.server import Sandbox, SandboxError

__all__ = ["ImdsEmulator", "InstanceIdentity", "Sandbox", "SandboxError"]
