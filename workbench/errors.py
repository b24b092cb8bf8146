"""The one exception tree of Kube Workbench.

Every error raised on purpose by the package derives from `WorkbenchError`, carries structured
attributes, and says what caused it and how to fix it::

    WorkbenchError
    ├── ConfigError              bad settings or arguments (names the setting and a valid value)
    ├── QuantityError            a value that is not a Kubernetes quantity (apimachinery's message)
    ├── FrameSchemaError         a DataFrame that does not match its frame's declared schema
    ├── SourceError              reading cluster state (a live API or a snapshot file)
    │   ├── KubeconfigError      no kubeconfig, an unknown context, no in-cluster service account
    │   ├── ApiUnreachableError  the API server cannot be reached (refused, timed out, TLS, DNS)
    │   ├── CredentialsError     401: the credential expired or was rejected
    │   ├── ApiStatusError       any other refusal, with the server's code, reason and message
    │   │   ├── ForbiddenError   403: RBAC does not allow reading this kind
    │   │   └── KindAbsentError  404: the kind is not served (no CRD, no metrics-server)
    │   └── SnapshotError        a snapshot file that is corrupt, hostile or from a newer format
    ├── RemediationError         changing a cluster through a plan (the only writes there are)
    │   ├── ApprovalError        no approval, or one for different content (an edited plan)
    │   ├── PlanNotReadyError    no dry-run of this plan yet, or the dry-run found problems
    │   ├── ConflictError        an object changed between the dry-run and the apply
    │   ├── StepRejectedError    the API server refused a request of a step (code, reason, message)
    │   ├── ApplyFailedError     a step failed mid-apply; the steps before it were undone
    │   └── AuditError           the audit log cannot be written, so nothing is applied
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


class FrameSchemaError(WorkbenchError, ValueError):
    """A DataFrame does not match the schema declared for its frame in ``workbench/frames/schema.py``.

    Attributes:
        frame: the frame name (``pods``).
        problems: each mismatch (missing, extra or misordered columns, wrong dtypes).
    """

    def __init__(self, message: str, *, frame: str, problems: tuple[str, ...]) -> None:
        super().__init__(message)
        self.frame = frame
        self.problems = problems


class SourceError(WorkbenchError):
    """Cluster state could not be read (from a live API or a snapshot file)."""


class KubeconfigError(SourceError, ConfigError):
    """No usable kubeconfig or context; the message names the file or context and the fix."""


class ApiUnreachableError(SourceError):
    """The API server did not answer.

    Attributes:
        server: the URL that was tried.
    """

    def __init__(self, message: str, *, server: str) -> None:
        super().__init__(message)
        self.server = server


class CredentialsError(SourceError):
    """The API server rejected the credential (401): it expired or is wrong."""


class ApiStatusError(SourceError):
    """The API server refused a read.

    Attributes:
        code: the HTTP status code.
        reason: the `Status.reason` the server sent (``Forbidden``, ``NotFound``...), or ``""``.
        path: the request path.
    """

    def __init__(self, message: str, *, code: int, reason: str = "", path: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.path = path


class ForbiddenError(ApiStatusError):
    """403: the credentials may not read this kind (RBAC)."""


class KindAbsentError(ApiStatusError):
    """404 on a list: the kind is not served by this cluster (no CRD, no metrics-server)."""


class SnapshotError(SourceError):
    """A snapshot file cannot be read: corrupt, hostile (oversized, unexpected members) or newer.

    Attributes:
        path: the snapshot file.
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class RemediationError(WorkbenchError):
    """A plan could not be previewed or applied; the message says why and what to do."""


class ApprovalError(RemediationError):
    """`apply` was called without an approval, or with one for different content."""


class PlanNotReadyError(RemediationError):
    """The plan has no dry-run yet, or its dry-run found a step that cannot be applied."""


class ConflictError(RemediationError):
    """An object changed since the dry-run; nothing was written.

    Attributes:
        ref: the object (``Deployment shop/web``).
        expected: the resourceVersion the dry-run saw.
        found: the resourceVersion now (``""`` when the object is gone).
    """

    def __init__(self, message: str, *, ref: str, expected: str, found: str) -> None:
        super().__init__(message)
        self.ref = ref
        self.expected = expected
        self.found = found


class StepRejectedError(RemediationError):
    """The API server refused a request of a step.

    Attributes:
        code: the HTTP status (403 forbidden, 404 gone, 409 conflict, 422 invalid, 429 PDB...).
        reason: the `Status.reason` (``Forbidden``, ``Conflict``...), or ``""``.
        path: the request path.
    """

    def __init__(self, message: str, *, code: int, reason: str = "", path: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.path = path


class ApplyFailedError(RemediationError):
    """A step failed during apply; steps already applied were restored.

    Attributes:
        result: the `ApplyResult`, with each step's outcome (failed, undone, not run).
    """

    def __init__(self, message: str, *, result: Any) -> None:
        super().__init__(message)
        self.result = result


class AuditError(RemediationError):
    """The audit log cannot be written; a plan is never applied without its record."""


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
