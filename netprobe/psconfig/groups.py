"""Who tests whom: the address pairs a group makes (mesh, disjoint, list, excludes),
the address each member uses, and which member a spec's source/dest names."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netprobe.errors import DocumentError
from netprobe.psconfig.plan import Plan

PLACEHOLDER = re.compile(r"\{%\s*(.*?)\s*%\}")
_INDEXED = re.compile(r"^(address|pscheduler_address|lead_bind_address)\[(\d+)\]$")


@dataclass(frozen=True)
class Member:
    """One address of a pair as a group selects it: its name and the label to use."""

    name: str
    label: str | None = None


def group_pairs(
    group: Mapping[str, Any],
    addresses: Mapping[str, Any],
    hosts: Mapping[str, Any],
    where: str,
    plan: Plan,
) -> list[tuple[Member, ...]]:
    """The ordered address tuples a group makes, without disabled or excluded ones."""
    kind = group.get("type")
    label = group.get("default-address-label")

    def members(key: str) -> list[Member]:
        found = []
        for selector in group.get(key) or []:
            if not isinstance(selector, Mapping) or not isinstance(selector.get("name"), str):
                plan.skip(f"{where}: address selector {selector!r} (classes) not translated")
                continue
            entry = addresses.get(selector["name"])
            if not isinstance(entry, Mapping):
                plan.skip(f"{where}: address {selector['name']!r} is not defined")
                continue
            host = hosts.get(entry.get("host"))
            host = host if isinstance(host, Mapping) else {}
            if selector.get("disabled") or entry.get("disabled") or host.get("disabled"):
                continue  # switched off in the template on purpose
            found.append(Member(selector["name"], selector.get("label", label)))
        return found

    if kind == "list":
        return [(m,) for m in members("addresses")]
    if kind == "mesh":
        every = members("addresses")
        pairs = [(a, b) for a in every for b in every if a != b]
    elif kind == "disjoint":
        a_side, b_side = members("a-addresses"), members("b-addresses")
        pairs = [(a, b) for a in a_side for b in b_side]
        if not group.get("unidirectional"):
            pairs += [(b, a) for a, b in pairs]
    else:
        plan.skip(f"{where}: group type {kind!r} not translated (mesh, disjoint or list)")
        return []
    return [p for p in pairs if not _excluded(group, addresses, p)]


def _excluded(group: Mapping[str, Any], addresses: Mapping[str, Any], pair: tuple) -> bool:
    """True when ``excludes-self`` or ``excludes`` removes this pair."""
    a, b = pair
    scope = group.get("excludes-self", "host")
    if scope != "disabled" and a.name == b.name:
        return True
    if scope == "host":
        host_a = addresses[a.name].get("host") or a.name
        host_b = addresses[b.name].get("host") or b.name
        if host_a == host_b:
            return True
    for rule in group.get("excludes") or []:
        if not isinstance(rule, Mapping):
            continue
        local = (rule.get("local-address") or {}).get("name")
        targets = {t.get("name") for t in rule.get("target-addresses") or []}
        if (a.name == local and b.name in targets) or (b.name == local and a.name in targets):
            return True
    return False


def pick_address(addresses: Mapping[str, Any], member: Member, other: Member | None) -> str:
    """The address to use for ``member`` when it tests with ``other``: its
    ``remote-addresses`` entry for that peer first, then its label, then its address."""
    entry = addresses[member.name]
    choices = []
    remote = (entry.get("remote-addresses") or {}).get(other.name) if other else None
    if isinstance(remote, Mapping):
        choices.append((remote.get("labels") or {}).get(member.label) if member.label else None)
        choices.append(remote)
    choices.append((entry.get("labels") or {}).get(member.label) if member.label else None)
    choices.append(entry)
    for choice in choices:
        if isinstance(choice, Mapping) and choice.get("address"):
            return str(choice["address"])
    raise DocumentError(f"addresses.{member.name}.address: missing")


def is_site(addresses: Mapping[str, Any], name: str, site: str) -> bool:
    """True when the address ``name`` belongs to the site host."""
    entry = addresses.get(name)
    if not isinstance(entry, Mapping):
        return False
    labels = entry.get("labels") or {}
    return site in (
        name,
        entry.get("address"),
        entry.get("host"),
        *(label.get("address") for label in labels.values() if isinstance(label, Mapping)),
    )


def site_names(addresses: Mapping[str, Any], site: str) -> set[str]:
    """The address names that belong to the site host."""
    return {name for name in addresses if is_site(addresses, name, site)}


def role_of(value: Any, default: int | None, size: int) -> int | str | None:
    """Which pair member a spec's source/dest names (its index), or a literal host."""
    if value is None:
        return default if default is not None and default < size else None
    match = PLACEHOLDER.fullmatch(str(value).strip())
    if not match:
        return str(value)
    indexed = _INDEXED.match(match.group(1))
    if indexed and int(indexed.group(2)) < size:
        return int(indexed.group(2))
    return None


def known_placeholder(expression: str) -> bool:
    """Placeholders this translation resolves: the pair's addresses and the lead's."""
    return bool(_INDEXED.match(expression)) or expression in ("scheduled_by_address", "flip")
