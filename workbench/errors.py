"""The one exception tree of Kube Workbench.

Every error raised on purpose by the package derives from `WorkbenchError`, carries structured
attributes, and says what caused it and how to fix it::

    WorkbenchError
    ├── ConfigError              bad settings or arguments (names the setting and a valid value)
    ├── QuantityError            a value that is not a Kubernetes quantity (apimachinery's message)
    └── SandboxError             the loopback sandbox cluster
        ├── ScenarioError        a scenario or manifest that cannot be loaded (names the file)
        ├── SandboxStartError    the server could not start (port taken, bad options)
        └── SandboxApiError      an API request the sandbox refuses; rendered as a Kubernetes
                                 `Status` object (code, reason, message, details)
"""

from __future__ import annotations

from typing import Any


class WorkbenchError(Exception):
    """Root of every error the workbench raises on purpose."""


class ConfigError(WorkbenchError):
    """A setting or argument is invalid; the message names it and a valid value."""


class QuantityError(WorkbenchError, ValueError):
    """A value is not a Kubernetes quantity; the message is the one apimachinery returns."""


class SandboxError(WorkbenchError):
    """Something went wrong in the sandbox cluster."""


class ScenarioError(SandboxError):
    """A scenario, manifest file or recorded snapshot cannot be loaded.

    Attributes:
        source: the file or scenario name at fault.
    """

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class SandboxStartError(SandboxError):
    """The sandbox server could not start (for example its port is already taken)."""


class SandboxApiError(SandboxError):
    """An API request the sandbox refuses, as the Kubernetes `Status` a real server would send.

    Attributes:
        code: the HTTP status code (400, 403, 404, 405, 409, 410, 415, 422, 500).
        reason: the machine-readable `Status.reason` (``NotFound``, ``Conflict``, ``Invalid``...).
        details: the `Status.details` object (name, group, kind, causes), possibly empty.
    """

    def __init__(
        self, code: int, reason: str, message: str, *, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_status(self) -> dict[str, Any]:
        """The `Status` object a real API server sends for this error."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            status["details"] = self.details
        return status
