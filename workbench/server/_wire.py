"""The side panel's wire messages: pydantic models, the one source of the TypeScript types.

Every JSON body the server sends or accepts is one of these. ``tools/gen_wire_types.py`` writes
``extensions/kube-workbench/src/wire.ts`` from their JSON schema (`SERVER_MESSAGES` in serialization
mode, `CLIENT_MESSAGES` in validation mode); a test fails when that file is stale.

Closed sets are ``Literal`` unions or the model's enums, so the TypeScript side gets them as unions of
string literals too.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from workbench.model import Action

SeverityName = Literal["info", "warning", "error", "critical"]
"""A finding's severity, as `workbench.model.Severity` prints it."""
Redaction = Literal["mask", "anonymize"]
"""What leaves the process for a model: secrets masked always; ``anonymize`` also pseudonymizes names."""
ConnectionState = Literal["ok", "no_kubeconfig", "unreachable", "credentials", "forbidden", "error"]
"""Whether the cluster answers, and if not, which kind of trouble it is (each has its own fix)."""
AgentState = Literal["model", "offline", "misconfigured"]
"""A model answers; the offline assistant answers (no model set); the model setting cannot be used."""


class Wire(BaseModel):
    """Base of every wire message: unknown fields are refused, values are immutable."""

    # Fields with defaults are still always sent, so the generated types mark them required.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_serialization_defaults_required=True,
        use_attribute_docstrings=True,
    )


# --- shapes shared by several messages ----------------------------------------------------------


class TargetWire(Wire):
    """The object a plan step changes."""

    kind: str
    namespace: str
    name: str
    api_version: str


class PlanStepWire(Wire):
    """One allow-listed step, as `workbench.model.PlanStep.to_dict` writes it."""

    action: Action
    target: TargetWire
    params: dict[str, Any]
    title: str
    reason: str


class PlanInputWire(Wire):
    """A value a plan needs from a person (`workbench.model.PlanInput`)."""

    name: str
    prompt: str
    suggestion: str


class PlanWire(Wire):
    """A plan, as `workbench.model.Plan.to_dict` writes it (its digest is computed from this).

    ``inputs`` is always present on the wire (empty when the plan is ready), though ``to_dict``
    leaves it out when empty so that ready plans keep their digests.
    """

    title: str
    steps: list[PlanStepWire] = Field(min_length=1)
    findings: list[str]
    notes: list[str]
    inputs: list[PlanInputWire]


class EvidenceWire(Wire):
    """One fact that proves a finding."""

    kind: str
    subject: str
    value: str


class FindingWire(Wire):
    """A finding for a card (sensitive values already masked)."""

    id: str
    code: str
    severity: SeverityName
    ref: str
    summary: str
    explanation: str
    docs_url: str
    evidence: list[EvidenceWire]


class AccessWire(Wire):
    """One RBAC question and the server's answer."""

    verb: str
    resource: str
    namespace: str
    name: str
    allowed: bool
    reason: str
    purpose: str = ""
    """What the panel needs it for (``read logs``, ``dry-run plans that patch deployments``)."""


class FieldChangeWire(Wire):
    """One field a step changes (JSON values; ``null``: absent)."""

    path: str
    before: Any
    after: Any


class StepPreviewWire(Wire):
    """A step as the server's dry run saw it."""

    index: int
    title: str
    action: Action
    target: str
    ok: bool
    accepted: bool
    message: str
    diff: str
    changes: list[FieldChangeWire]
    access: list[AccessWire]
    restarts: list[str]
    warnings: list[str]
    problems: list[str]


class CellAttachment(Wire):
    """A notebook cell attached to a question: its source and what it printed on failure."""

    source: str = Field(max_length=20_000)
    error: str = Field(default="", max_length=20_000)


class FrameAttachment(Wire):
    """A DataFrame mentioned as ``@name``: its schema and a summary, never its rows."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=100)
    shape: list[int] = Field(default_factory=list, max_length=2)
    dtypes: dict[str, str] = Field(default_factory=dict, max_length=500)
    summary: str = Field(default="", max_length=20_000)


# --- the chat WebSocket: client to server -------------------------------------------------------


class AskMessage(Wire):
    """Ask the agent a question (one turn at a time per connection)."""

    type: Literal["ask"]
    id: str = Field(min_length=1, max_length=100)
    question: str = Field(min_length=1, max_length=4000)
    cell: CellAttachment | None = None
    frames: list[FrameAttachment] = Field(default_factory=list, max_length=5)


class CancelMessage(Wire):
    """Stop the turn ``id``: nothing more of it is sent (the agent only ever reads)."""

    type: Literal["cancel"]
    id: str


class ResetMessage(Wire):
    """Forget the conversation (the next question starts afresh)."""

    type: Literal["reset"]


CLIENT_MESSAGE: TypeAdapter[AskMessage | CancelMessage | ResetMessage] = TypeAdapter(
    Annotated[AskMessage | CancelMessage | ResetMessage, Field(discriminator="type")]
)
"""Parses one message from the panel (by its ``type``)."""


# --- the chat WebSocket: server to client -------------------------------------------------------


class HelloMessage(Wire):
    """Sent when the socket opens: which model answers."""

    type: Literal["hello"] = "hello"
    model: str
    agent: AgentState
    problem: str = ""


class TokenMessage(Wire):
    """A piece of the answer (markdown) as it is written."""

    type: Literal["token"] = "token"
    id: str
    text: str


class ToolCallMessage(Wire):
    """The agent reads something (a read-only tool)."""

    type: Literal["tool_call"] = "tool_call"
    id: str
    call_id: str
    name: str
    args: dict[str, Any]


class ToolResultMessage(Wire):
    """What a read returned (bounded)."""

    type: Literal["tool_result"] = "tool_result"
    id: str
    call_id: str
    name: str
    content: str
    truncated: bool
    error: bool


class FindingMessage(Wire):
    """A finding a proposal addresses, for a card."""

    type: Literal["finding"] = "finding"
    id: str
    finding: FindingWire
    root: bool


class PlanMessage(Wire):
    """A proposed plan: to review, dry-run, insert as a cell, and apply there after approval."""

    type: Literal["plan"] = "plan"
    id: str
    plan: PlanWire
    digest: str
    cell: str
    kubectl: list[str]


class InvestigationMessage(Wire):
    """What to check when no safe fix can be planned: checks and read-only kubectl commands."""

    type: Literal["investigation"] = "investigation"
    id: str
    title: str
    findings: list[str]
    checks: list[str]
    commands: list[str]


class NoticeMessage(Wire):
    """Something to know: offline mode, a limit reached, values masked."""

    type: Literal["notice"] = "notice"
    id: str
    text: str


class UsageMessage(Wire):
    """Tokens and cost of the turn and of the session."""

    type: Literal["usage"] = "usage"
    id: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    session_input_tokens: int
    session_output_tokens: int
    session_cost_usd: float | None


class FinalMessage(Wire):
    """The whole answer (markdown, real names), replacing the streamed tokens."""

    type: Literal["final"] = "final"
    id: str
    text: str


class FailedMessage(Wire):
    """The agent could not finish the turn; says why and what to do."""

    type: Literal["failed"] = "failed"
    id: str
    message: str


class DoneMessage(Wire):
    """The turn is over (answered, failed or cancelled); the panel may ask again."""

    type: Literal["done"] = "done"
    id: str
    cancelled: bool = False


class ErrorMessage(Wire):
    """A request that could not be served, naming the cause and the fix (also the HTTP error body)."""

    type: Literal["error"] = "error"
    id: str = ""
    """The turn it concerns, ``""`` for none."""
    message: str


CHAT_SERVER_MESSAGES: tuple[type[Wire], ...] = (
    HelloMessage,
    TokenMessage,
    ToolCallMessage,
    ToolResultMessage,
    FindingMessage,
    PlanMessage,
    InvestigationMessage,
    NoticeMessage,
    UsageMessage,
    FinalMessage,
    FailedMessage,
    DoneMessage,
    ErrorMessage,
)
"""Everything the server sends over the chat WebSocket."""


# --- REST: plans/dry-run ------------------------------------------------------------------------


class DryRunRequest(Wire):
    """``POST /api/workbench/plans/dry-run``: the plan to preview on the server (nothing changes)."""

    plan: PlanWire


class DryRunMessage(Wire):
    """A server-side dry run (``dryRun=All``) of a plan: diffs, RBAC answers, blast radius."""

    type: Literal["dry_run"] = "dry_run"
    digest: str
    context: str
    user: str
    at: str
    ok: bool
    problems: list[str]
    blast_radius: list[str]
    steps: list[StepPreviewWire]


# --- REST: settings -------------------------------------------------------------------------------


class SettingsMessage(Wire):
    """``GET /api/workbench/settings``. API keys are never part of it: they come from the environment."""

    type: Literal["settings"] = "settings"
    model: str
    """The model spec set here (``""``: ``WORKBENCH_MODEL`` from the environment, else offline)."""
    model_label: str
    """The model that answers (``openai:gpt-4o-mini``, ``offline``), credentials masked."""
    context: str | None
    namespaces: list[str] | None
    redaction: Redaction


class SettingsUpdate(Wire):
    """``PUT /api/workbench/settings``: the fields to change (absent fields stay as they are)."""

    model: str | None = Field(default=None, max_length=500)
    context: str | None = Field(default=None, max_length=253)
    namespaces: list[str] | None = Field(default=None, max_length=100)
    redaction: Redaction | None = None


# --- REST: status ---------------------------------------------------------------------------------


class ConnectionWire(Wire):
    """Whether the cluster answers, and the fix when it does not."""

    state: ConnectionState
    message: str = ""
    server: str = ""
    version: str = ""


class SeverityCounts(Wire):
    """How many findings of each severity."""

    critical: int
    error: int
    warning: int
    info: int


class HealthWire(Wire):
    """Findings by severity from the (cached) analysis, and its root causes."""

    counts: SeverityCounts
    worst: SeverityName | None
    findings: int
    roots: list[FindingWire]
    captured_at: str
    failures: list[str]
    """Analyzers that failed (the rest of the analysis stands)."""


class AgentWire(Wire):
    """Which model answers questions, or why none can."""

    state: AgentState
    model: str
    problem: str = ""


class StatusMessage(Wire):
    """``GET /api/workbench/status[?refresh=1]``: contexts, connection, health, access, agent."""

    type: Literal["status"] = "status"
    contexts: list[str]
    current: str | None
    contexts_problem: str = ""
    connection: ConnectionWire
    health: HealthWire | None
    health_problem: str = ""
    access: list[AccessWire]
    agent: AgentWire


REST_MESSAGES: tuple[type[Wire], ...] = (StatusMessage, SettingsMessage, DryRunMessage)
"""What the REST routes answer (and `ErrorMessage` on failure)."""
SERVER_MESSAGES: tuple[type[Wire], ...] = (*REST_MESSAGES, *CHAT_SERVER_MESSAGES)
"""Every message the server sends (the generator types them in serialization mode)."""
CHAT_CLIENT_MESSAGES: tuple[type[Wire], ...] = (AskMessage, CancelMessage, ResetMessage)
"""Everything the panel sends over the chat WebSocket."""
CLIENT_MESSAGES: tuple[type[Wire], ...] = (*CHAT_CLIENT_MESSAGES, DryRunRequest, SettingsUpdate)
"""Every body the server accepts (typed in validation mode: defaulted fields are optional)."""
