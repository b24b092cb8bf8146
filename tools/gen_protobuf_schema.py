"""Generate the schema the sandbox uses to read the protobuf request bodies kubectl sends.

kubectl 1.32 sends the bodies of its typed-client writes (``create configmap``, ``auth can-i``,
``drain``...) as Kubernetes protobuf and never falls back to JSON. The sandbox turns them into the
JSON-shaped dicts kube-apiserver would have got from a JSON body, and for that it needs, for each
message, its field numbers and types and the Go JSON rules for its fields. Both come from the
kubectl binary itself, so no Kubernetes source checkout is needed:

* gogo-protobuf registers the gzipped ``FileDescriptorProto`` of every API package; those give
  message names, field names, numbers, types and labels.
* Go keeps struct tags for reflection. The ``json:"name,omitempty"`` tags, reached through the Go
  type descriptors that the ``.typelink`` section lists, say which fields are pointers (sent even
  when zero), which are dropped when empty, and which are inlined into their parent.

The output, ``workbench/sandbox/_protobuf/schema.json``, is generated interface data: commit it,
never edit it by hand, and rerun this script against a newer kubectl to refresh it::

    .venv/bin/python tools/gen_protobuf_schema.py [/usr/bin/kubectl] [--output PATH]

Field rows are ``[number, json_name, type, flags, message]``: ``type`` is the protobuf scalar type,
``message`` or ``map`` (a repeated map-entry message); flags are ``r`` repeated, ``p`` a Go pointer,
``o`` omitempty, ``i`` inlined. Rows keep the Go struct's field order, which is JSON's key order.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = Path("/usr/bin/kubectl")
DEFAULT_OUTPUT = REPO / "workbench" / "sandbox" / "_protobuf" / "schema.json"

# The API packages the sandbox serves; the apimachinery packages they reference are added.
SERVED = (
    "k8s.io/api/core/v1", "k8s.io/api/apps/v1", "k8s.io/api/batch/v1", "k8s.io/api/batch/v1beta1",
    "k8s.io/api/autoscaling/v1", "k8s.io/api/autoscaling/v2", "k8s.io/api/autoscaling/v2beta2",
    "k8s.io/api/networking/v1", "k8s.io/api/discovery/v1", "k8s.io/api/policy/v1",
    "k8s.io/api/rbac/v1", "k8s.io/api/storage/v1", "k8s.io/api/coordination/v1",
    "k8s.io/api/events/v1", "k8s.io/api/scheduling/v1", "k8s.io/api/authorization/v1",
    "k8s.io/api/authentication/v1", "k8s.io/apimachinery/pkg/apis/meta/v1",
    "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1",
)  # fmt: skip

# Messages with a custom Go JSON form; the decoder converts them by name, so their rows come from
# the descriptor alone (their Go structs carry no protobuf tags).
SPECIAL = frozenset({
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time", "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration", "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1",
    "k8s.io.apimachinery.pkg.api.resource.Quantity", "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
    "k8s.io.apimachinery.pkg.runtime.RawExtension",
})  # fmt: skip

_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00"
_SCALARS = {
    1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32",
    8: "bool", 9: "string", 11: "message", 12: "bytes", 13: "uint32", 14: "enum", 15: "sfixed32",
    16: "sfixed64", 17: "sint32", 18: "sint64",
}  # fmt: skip
_GO_POINTER, _GO_SLICE, _GO_STRUCT = 22, 23, 25
_PROTO_TAG = re.compile(r'protobuf:"\w+,(\d+),')


class SchemaError(Exception):
    """The binary does not hold what the generator expects (not a Go kubectl, a changed layout)."""


# -- protobuf wire format (just enough to read FileDescriptorProto) ---------------------------------
def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def _fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        wire = key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield key >> 3, value
        elif wire == 2:
            size, pos = _varint(buf, pos)
            yield key >> 3, buf[pos : pos + size]
            pos += size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            yield key >> 3, buf[pos : pos + width]
            pos += width
        else:
            raise SchemaError(f"unexpected wire type {wire} in a file descriptor")


@dataclass
class ProtoField:
    name: str
    number: int
    repeated: bool
    type: str
    type_name: str


@dataclass
class ProtoMessage:
    go_package: str
    go_name: str | None  # None for nested messages (map entries), which have no Go type
    map_entry: bool
    fields: list[ProtoField] = field(default_factory=list)


def file_descriptors(data: bytes) -> dict[str, bytes]:
    """The gzipped FileDescriptorProtos of the Kubernetes API packages embedded in a Go binary."""
    found: dict[str, bytes] = {}
    for match in re.finditer(re.escape(_GZIP_HEADER), data):
        try:
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(
                data[match.start() : match.start() + (1 << 21)]
            )
        except zlib.error:
            continue
        first = next(_fields(raw), None) if raw[:1] == b"\n" else None
        if first and first[0] == 1 and isinstance(first[1], bytes) and first[1].endswith(b"/generated.proto"):
            found[first[1].decode()] = raw
    if not found:
        raise SchemaError("no Kubernetes generated.proto descriptors found: is this a kubectl binary?")
    return found


def proto_messages(descriptors: dict[str, bytes]) -> dict[str, ProtoMessage]:
    """Every message of every descriptor, by full name (``k8s.io.api.core.v1.Pod``)."""
    messages: dict[str, ProtoMessage] = {}
    for filename, raw in descriptors.items():
        top = list(_fields(raw))
        package = next(bytes(v).decode() for n, v in top if n == 2 and isinstance(v, bytes))
        go_package = filename.rsplit("/", 1)[0]
        for number, value in top:
            if number == 4 and isinstance(value, bytes):
                _walk_message(value, package, go_package, nested=False, out=messages)
    return messages


def _walk_message(
    raw: bytes, prefix: str, go_package: str, *, nested: bool, out: dict[str, ProtoMessage]
) -> None:
    parts = list(_fields(raw))
    name = next(bytes(v).decode() for n, v in parts if n == 1 and isinstance(v, bytes))
    full = f"{prefix}.{name}"
    map_entry = any(n == 7 and isinstance(v, bytes) and (7, 1) in _fields(v) for n, v in parts)
    message = ProtoMessage(go_package, None if nested else name, map_entry)
    for number, value in parts:
        if number == 2 and isinstance(value, bytes):
            desc = dict(_fields(value))
            field_name, field_number, kind, type_name = (
                desc.get(1),
                desc.get(3),
                desc.get(5),
                desc.get(6, b""),
            )
            if not (isinstance(field_name, bytes) and isinstance(field_number, int)):
                raise SchemaError(f"{full}: a field descriptor without a name or number")
            if not isinstance(kind, int) or kind not in _SCALARS or not isinstance(type_name, bytes):
                raise SchemaError(f"{full}.{field_name.decode()}: unsupported protobuf field type {kind!r}")
            repeated = desc.get(4) == 3
            kind_name, ref = _SCALARS[kind], type_name.decode().lstrip(".")
            message.fields.append(ProtoField(field_name.decode(), field_number, repeated, kind_name, ref))
        elif number == 3 and isinstance(value, bytes):
            _walk_message(value, full, go_package, nested=True, out=out)
    out[full] = message


# -- Go type descriptors -------------------------------------------------------------------------------
@dataclass
class GoField:
    name: str
    tag: str
    kind: int


@dataclass
class GoType:
    kind: int
    fields: list[GoField]


class GoBinary:
    """Reads the reflection data of a non-PIE linux/amd64 Go ELF binary (Go 1.20 to 1.23 layouts)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        if data[:4] != b"\x7fELF" or data[4] != 2:
            raise SchemaError("not a 64-bit ELF binary")
        shoff = struct.unpack_from("<Q", data, 0x28)[0]
        entsize, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
        headers = [struct.unpack_from("<IIQQQQ", data, shoff + i * entsize) for i in range(count)]
        names_offset = headers[names_index][4]
        self.sections: dict[str, tuple[int, int, int]] = {}
        for name_at, _, _, addr, offset, size in headers:
            end = data.index(b"\0", names_offset + name_at)
            self.sections[data[names_offset + name_at : end].decode()] = (addr, offset, size)
        for needed in (".rodata", ".typelink"):
            if needed not in self.sections:
                raise SchemaError(f"the binary has no {needed} section (stripped of Go type data?)")
        # The linker puts the type descriptors at the start of .rodata; nameOff/typeOff count from there.
        self.types_base = self.sections[".rodata"][0]

    def _offset(self, addr: int) -> int:
        for start, offset, size in self.sections.values():
            if start and start <= addr < start + size:
                return offset + addr - start
        raise SchemaError(f"address {addr:#x} is outside the binary's sections")

    def _u64(self, addr: int) -> int:
        return int(struct.unpack_from("<Q", self.data, self._offset(addr))[0])

    def _name(self, addr: int) -> tuple[str, str]:
        """A Go runtime name record: flags, varint length, bytes, and an optional tag."""
        pos = self._offset(addr)
        flags = self.data[pos]
        size, pos = _varint(self.data, pos + 1)
        name = self.data[pos : pos + size].decode()
        tag = ""
        if flags & 2:
            tag_size, start = _varint(self.data, pos + size)
            tag = self.data[start : start + tag_size].decode()
        return name, tag

    def _type_header(self, addr: int) -> tuple[int, int, str]:
        pos = self._offset(addr)
        tflag, kind = self.data[pos + 20], self.data[pos + 23] & 0x1F
        name = self._name(self.types_base + struct.unpack_from("<i", self.data, pos + 40)[0])[0]
        return tflag, kind, name[1:] if tflag & 2 else name  # tflagExtraStar

    def named_types(self) -> dict[tuple[str, str], GoType]:
        """Named struct and slice types reachable from .typelink, by (package path, type name)."""
        _, offset, size = self.sections[".typelink"]
        stack = [self.types_base + o for o in struct.unpack_from(f"<{size // 4}i", self.data, offset)]
        seen: set[int] = set()
        named: dict[tuple[str, str], GoType] = {}
        while stack:
            addr = stack.pop()
            if addr in seen:
                continue
            seen.add(addr)
            tflag, kind, name = self._type_header(addr)
            fields: list[GoField] = []
            if kind in (17, 18, _GO_POINTER, _GO_SLICE):  # array, chan, pointer, slice: follow Elem
                stack.append(self._u64(addr + 48))
            elif kind == 21:  # map: key and elem
                stack += [self._u64(addr + 48), self._u64(addr + 56)]
            elif kind == _GO_STRUCT:
                first, count = self._u64(addr + 56), self._u64(addr + 64)
                for i in range(count):
                    field_type = self._u64(first + 24 * i + 8)
                    stack.append(field_type)
                    go_name, tag = self._name(self._u64(first + 24 * i))
                    fields.append(GoField(go_name, tag, self._type_header(field_type)[1]))
            uncommon = {_GO_STRUCT: 80, _GO_SLICE: 56}.get(kind)
            if tflag & 1 and tflag & 4 and uncommon:  # tflagUncommon and tflagNamed
                pkg_off = struct.unpack_from("<i", self.data, self._offset(addr + uncommon))[0]
                package = self._name(self.types_base + pkg_off)[0]
                named[(package, name.rsplit(".", 1)[-1])] = GoType(kind, fields)
        if ("k8s.io/apimachinery/pkg/apis/meta/v1", "ObjectMeta") not in named:
            raise SchemaError("could not find metav1.ObjectMeta among the Go types: unexpected layout")
        return named


# -- the schema ------------------------------------------------------------------------------------
def _json_tag(tag: str) -> tuple[str, set[str]] | None:
    match = re.search(r'json:"([^"]*)"', tag)
    if not match:
        return None
    name, *options = match.group(1).split(",")
    return name, set(options)


def _rows(
    full: str, message: ProtoMessage, go: GoType | None, messages: dict[str, ProtoMessage]
) -> list[list[object]]:
    def row(f: ProtoField, json_name: str, flags: str) -> list[object]:
        kind = "map" if f.type == "message" and messages[f.type_name].map_entry else f.type
        return [f.number, json_name, kind, ("r" if f.repeated and kind != "map" else "") + flags, f.type_name]

    if go is None or full in SPECIAL:
        return [row(f, f.name, "") for f in message.fields]
    by_number: dict[int, tuple[int, GoField]] = {}
    for index, go_field in enumerate(go.fields):
        match = _PROTO_TAG.search(go_field.tag)
        if match:
            by_number[int(match.group(1))] = (index, go_field)
    rows: list[tuple[int, list[object]]] = []
    for f in message.fields:
        if f.number not in by_number:
            raise SchemaError(f"{full}: no Go field carries protobuf field {f.number} ({f.name})")
        index, go_field = by_number[f.number]
        parsed = _json_tag(go_field.tag)
        json_name, options = parsed if parsed else (go_field.name, set())
        if json_name == "-":
            continue
        inline = "inline" in options
        flags = ("p" if go_field.kind == _GO_POINTER else "") + ("o" if "omitempty" in options else "")
        flags += "i" if inline else ""
        rows.append((index, row(f, "" if inline else json_name or go_field.name, flags)))
    return [r for _, r in sorted(rows, key=lambda item: item[0])]


def build_schema(data: bytes, version: dict[str, str]) -> str:
    """The schema.json text for a kubectl binary's bytes and its ``version --client`` facts."""
    messages = proto_messages(file_descriptors(data))
    go_types = GoBinary(data).named_types()
    wanted = [name for name, m in messages.items() if m.go_package in SERVED]
    packages = sorted({name.rsplit(".", 1)[0] for name in wanted if messages[name].go_name})
    keep: set[str] = set()
    while wanted:  # close over referenced messages (ObjectMeta, Quantity, map entries...)
        name = wanted.pop()
        if name not in keep:
            keep.add(name)
            wanted += [f.type_name for f in messages[name].fields if f.type == "message"]
    lists: list[str] = []
    lines: list[str] = []
    for name in sorted(keep):
        message = messages[name]
        go = go_types.get((message.go_package, message.go_name)) if message.go_name else None
        if message.go_name and go is None:
            raise SchemaError(f"no Go type for {name}")
        if go is not None and go.kind == _GO_SLICE:
            lists.append(name)  # a named slice (ExtraValue, Verbs): JSON is the list itself
            go = None
        lines.append(
            f"  {json.dumps(name)}: {json.dumps(_rows(name, message, go, messages), separators=(',', ':'))}"
        )
    head = {
        "source": version,
        "generator": "tools/gen_protobuf_schema.py",
        "packages": packages,
        "lists": lists,
    }
    body = json.dumps(head, indent=1, sort_keys=True)[:-2]
    return body + ',\n "messages": {\n' + ",\n".join(lines) + "\n }\n}\n"


def kubectl_version(binary: Path) -> dict[str, str]:
    """The client version facts the schema records (``kubectl version --client -o json``)."""
    result = subprocess.run(  # noqa: S603  # a fixed argument list for the binary the user named
        [str(binary), "version", "--client", "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        raise SchemaError(f"{binary} version --client failed: {result.stderr.strip()}")
    client = json.loads(result.stdout)["clientVersion"]
    return {key: client[key] for key in ("gitVersion", "gitCommit", "goVersion")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", nargs="?", type=Path, default=DEFAULT_BINARY, help="the kubectl to read")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write schema.json")
    args = parser.parse_args(argv)
    try:
        text = build_schema(args.binary.read_bytes(), kubectl_version(args.binary))
    except (OSError, SchemaError) as exc:
        sys.stderr.write(f"gen_protobuf_schema: {exc}\n")
        return 1
    args.output.write_text(text)
    sys.stdout.write(f"wrote {args.output} ({len(text)} bytes)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
