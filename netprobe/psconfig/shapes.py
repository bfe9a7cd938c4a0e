"""The kinds of the template's members, checked before translating so a malformed
template is refused with the path of the wrong value."""

from collections.abc import Mapping
from typing import Any

from netprobe.errors import DocumentError

_KIND_NAMES = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    list: "a list",
    Mapping: "an object",
}


def _typed(value: Any, path: str, **kinds: type) -> Mapping[str, Any]:
    """``value`` as an object whose listed members, when present, have the given JSON kinds.

    Raises:
        DocumentError: not an object, or a member of another kind (named by its path).
    """
    if not isinstance(value, Mapping):
        raise DocumentError(f"{path}: expected an object, got {value!r}"[:200])
    for key, kind in kinds.items():
        member = value.get(key.replace("_", "-"))
        if member is None:
            continue
        if not isinstance(member, kind) or (kind is int and isinstance(member, bool)):
            got = f"{member!r}"[:80]
            raise DocumentError(
                f"{path}.{key.replace('_', '-')}: expected {_KIND_NAMES[kind]}, got {got}"
            )
    return value


def check_shapes(template: Mapping[str, Any]) -> None:
    """Check the kinds of every member the translation reads, so that a malformed template
    is refused with the path of the wrong value instead of failing half-way.

    Raises:
        DocumentError: naming the first wrong value.
    """
    for name, entry in table(template, "addresses").items():
        path = f"addresses.{name}"
        _typed(
            entry,
            path,
            address=str,
            host=str,
            labels=Mapping,
            remote_addresses=Mapping,
            disabled=bool,
        )
        text_of_address = entry.get("address")
        if not text_of_address:
            raise DocumentError(f"{path}.address: missing")
        for remote, item in (entry.get("remote-addresses") or {}).items():
            _typed(item, f"{path}.remote-addresses.{remote}", address=str, labels=Mapping)
            for label, value in (item.get("labels") or {}).items():
                _typed(value, f"{path}.remote-addresses.{remote}.labels.{label}", address=str)
        for label, value in (entry.get("labels") or {}).items():
            _typed(value, f"{path}.labels.{label}", address=str)
    for name, host in table(template, "hosts").items():
        _typed(host, f"hosts.{name}", disabled=bool, archives=list)
    for name, group in table(template, "groups").items():
        path = f"groups.{name}"
        _typed(
            group,
            path,
            type=str,
            default_address_label=str,
            excludes_self=str,
            unidirectional=bool,
            addresses=list,
            a_addresses=list,
            b_addresses=list,
            excludes=list,
        )
        for key in ("addresses", "a-addresses", "b-addresses"):
            for i, selector in enumerate(group.get(key) or []):
                _typed(selector, f"{path}.{key}[{i}]", name=str, label=str, disabled=bool)
        for i, rule in enumerate(group.get("excludes") or []):
            _typed(rule, f"{path}.excludes[{i}]", local_address=Mapping, target_addresses=list)
            _typed(rule.get("local-address") or {}, f"{path}.excludes[{i}].local-address", name=str)
            for j, target in enumerate(rule.get("target-addresses") or []):
                _typed(target, f"{path}.excludes[{i}].target-addresses[{j}]", name=str)
    for name, test in table(template, "tests").items():
        _typed(test, f"tests.{name}", type=str, spec=Mapping)
    for name, schedule in table(template, "schedules").items():
        _typed(schedule, f"schedules.{name}", repeat=str, slip=str, sliprand=bool)
    for name, task in table(template, "tasks").items():
        _typed(
            task,
            f"tasks.{name}",
            group=str,
            test=str,
            schedule=str,
            disabled=bool,
            archives=list,
            tools=list,
            scheduled_by=int,
        )


def table(template: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A top-level table of the template, empty when absent.

    Raises:
        DocumentError: present but not an object.
    """
    value = template.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DocumentError(f"{key}: expected an object keyed by name")
    return value
