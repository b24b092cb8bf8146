"""`LiveSource` paging: the continue token read from a page's head; pages whose objects are reported."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from workbench import sandbox as sandbox_pkg
from workbench.errors import SourceError
from workbench.frames._pods import build_pods
from workbench.sources import _list_page as list_page
from workbench.sources._kinds import builtin
from workbench.sources._live import connect_live

PODS = builtin("pods")
CONTAINER = {"name": "c", "image": "x"}


@pytest.mark.parametrize(
    ("page", "token"),
    [
        (b'{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"abc"},"items":[]}', "abc"),
        (b'{"kind":"PodList","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"a"}}]}', ""),
        # metadata after the items (not how an API server writes it): the page is decoded whole.
        (b'{"kind":"PodList","items":[{"metadata":{"name":"a"}}],"metadata":{"continue":"late"}}', "late"),
        # an "items" key nested in metadata is not the list's items.
        (b'{"metadata":{"x":{"a":1,"items":[]},"continue":"nested"},"items":[]}', "nested"),
        # spaces around the separators: no cut is found, the page is decoded whole.
        (b'{"metadata": {"continue": "spaced"}, "items": []}', "spaced"),
    ],
)
def test_the_continue_token_is_read_from_the_page(page: bytes, token: str) -> None:
    assert list_page.continue_token(page, "/api/v1/pods") == token


@pytest.mark.parametrize("page", [b"not json", b'{"metadata":{"continue":1},"items":[]}', b"[1,2]"])
def test_a_page_that_is_not_a_list_is_a_source_error(page: bytes) -> None:
    with pytest.raises(SourceError, match="for /api/v1/pods that is not a List"):
        list_page.continue_token(page, "/api/v1/pods")


class _Writing(Iterator[bytes]):
    """Pages of a `LiveSource` list (reports passed on) with writes made after the first page."""

    def __init__(self, pages: Iterator[bytes], write: Any) -> None:
        self._pages = pages
        self._write = write
        self._given = 0
        self.seen = getattr(pages, "seen", None)

    def __next__(self) -> bytes:
        if self._given == 1:
            self._write()
        self._given += 1
        return next(self._pages)


def _post(sb: sandbox_pkg.Sandbox, path: str, obj: dict[str, Any]) -> None:
    request = urllib.request.Request(  # noqa: S310 - loopback sandbox URL
        sb.url + path, data=json.dumps(obj).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - loopback sandbox URL
        pass


@pytest.mark.parametrize("report", [True, False])
def test_an_expired_continue_relists_without_repeats_whether_or_not_pages_are_reported(
    report: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[int] = []
    keys_of = list_page.keys

    def counting(body: bytes, path: str) -> list[str]:
        found = keys_of(body, path)
        decoded.append(len(found))
        return found

    monkeypatch.setattr(list_page, "keys", counting)

    def writes() -> None:  # enough writes to expire the first page's continue token (history=2)
        _post(small, "/api/v1/namespaces", {"metadata": {"name": "aa-late"}})
        for i in range(12):
            pod = {"metadata": {"name": f"late-{i:02}"}, "spec": {"containers": [CONTAINER]}}
            _post(small, "/api/v1/namespaces/aa-late/pods", pod)

    with sandbox_pkg.start(manual_clock=True, synthetic="pods=60", history=2) as small:
        with connect_live(kubeconfig=small.kubeconfig, page_size=10) as source:
            pages = source.list_pages(PODS)
            if not report:
                pages = iter(list(_Writing(pages, writes)))
            frames = build_pods(PODS, _Writing(pages, writes) if report else pages)
            codes = [code for _, path, code in small.requests if path.startswith("/api/v1/pods")]
        with connect_live(kubeconfig=small.kubeconfig) as source:
            final = build_pods(PODS, source.list_pages(PODS))["pods"]
    assert codes.count(410) == 1
    listed = list(zip(frames["pods"]["namespace"].astype(str), frames["pods"]["name"], strict=True))
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(zip(final["namespace"].astype(str), final["name"], strict=True))
    # aa-late sorts before the objects still to come, and was created after the list began.
    assert ("aa-late", "late-11") in listed
    # Reported pages are not decoded a second time; unreported ones are (up to the 410).
    if report:
        assert decoded == []
    else:
        assert decoded
        assert set(decoded) == {10}
