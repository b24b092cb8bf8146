"""ClusterSource implementations: the only package that reads from a cluster.

`LiveSource` reads an API server (a kubeconfig context, in-cluster config, or the sandbox) over a raw
JSON fast path; `SnapshotSource` reads a ``.wbsnap`` file written by `SnapshotWriter`. Both implement
`ClusterSource`, so frames built from either are identical.
"""

from workbench.sources._kinds import BUILTIN, Kind, builtin, custom
from workbench.sources._live import LiveSource, connect_live
from workbench.sources._protocol import ClusterSource, Missing, MissingReason
from workbench.sources._snapshot_format import (
    FORMAT_VERSION,
    SUFFIX,
    Manifest,
    SnapshotLimits,
    StoredKind,
    StoredLog,
)
from workbench.sources._snapshot_reader import SnapshotFile, open_snapshot_file
from workbench.sources._snapshot_source import SnapshotSource
from workbench.sources._snapshot_writer import SnapshotWriter
from workbench.sources._transport import RetryPolicy, auth_headers

__all__ = [
    "BUILTIN",
    "FORMAT_VERSION",
    "SUFFIX",
    "ClusterSource",
    "Kind",
    "LiveSource",
    "Manifest",
    "Missing",
    "MissingReason",
    "RetryPolicy",
    "SnapshotFile",
    "SnapshotLimits",
    "SnapshotSource",
    "SnapshotWriter",
    "StoredKind",
    "StoredLog",
    "auth_headers",
    "builtin",
    "connect_live",
    "custom",
    "open_snapshot_file",
]
