"""Raw list pages straight from a sandbox over HTTP, for tests of the layers built on them.

This is deliberately the plainest possible reader (urllib, no retries): tests of frames and snapshots
use it so they do not depend on `LiveSource`, which has tests of its own.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from workbench import sandbox as sandbox_pkg
from workbench.sources._kinds import Kind


def fetch_pages(sb: sandbox_pkg.Sandbox, kind: Kind, *, limit: int = 0) -> list[bytes]:
    """Every page of ``kind``'s list (``limit`` objects a page; 0: one unpaged request)."""
    pages: list[bytes] = []
    token = ""
    while True:
        query = {"limit": str(limit)} if limit else {}
        if token:
            query["continue"] = token
        url = sb.url + kind.path() + ("?" + urllib.parse.urlencode(query) if query else "")
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback sandbox URL
            body = response.read()
        pages.append(body)
        token = json.loads(body).get("metadata", {}).get("continue", "")
        if not token:
            return pages
