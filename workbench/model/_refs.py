"""`ObjectRef`: how every stage names one Kubernetes object."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class ObjectRef:
    """One object in a cluster; sorts by kind, namespace, name.

    Attributes:
        kind: the object kind (``Pod``, ``Deployment``).
        namespace: its namespace, ``""`` for cluster-scoped objects.
        name: its name.
        uid: its uid when known (``""`` otherwise); not part of equality's meaning for people,
            but kept so a recreated object with the same name is told apart.
        api_version: ``v1`` or ``group/version`` when known.

    Example:
        >>> ObjectRef("Pod", "shop", "web-0")
        ObjectRef(kind='Pod', namespace='shop', name='web-0', uid='', api_version='')
        >>> str(ObjectRef("Pod", "shop", "web-0"))
        'Pod shop/web-0'
    """

    kind: str
    namespace: str
    name: str
    uid: str = ""
    api_version: str = ""

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"
