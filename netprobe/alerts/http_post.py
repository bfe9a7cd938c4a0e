"""POST a JSON body and tell a failure worth retrying (server down, 5xx, 429) from one
that is not (the receiver refused the body: other 4xx). Used by the HTTP sinks."""

import json
import urllib.error
import urllib.request

from netprobe.alerts.notification import Undelivered

_RETRY_CODES = {408, 425, 429}


def post_json(url: str, body: object, *, timeout: float, what: str) -> None:
    """POST ``body`` as JSON to ``url``.

    Args:
        url: the receiver's URL.
        body: anything ``json.dumps`` takes.
        timeout: seconds for connecting and for the answer.
        what: the sink, as error messages name it (``alertmanager "am"``).

    Raises:
        Undelivered: with ``retry`` True when a later attempt may succeed.
    """
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "netprobe"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode(errors="replace").strip()
        retry = exc.code >= 500 or exc.code in _RETRY_CODES
        raise Undelivered(
            f"{what}: {url} answered {exc.code} {exc.reason}: {detail}", retry=retry
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Undelivered(f"{what}: cannot reach {url}: {reason}", retry=True) from None
