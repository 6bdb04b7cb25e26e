"""Batch reads of HubSpot objects and their associations (v4 shape, with labels): the adapter's two reads."""

from __future__ import annotations

from addin_api.crm.hubspot.client import VERSION, RepApi

OBJECTS = f"/crm/objects/{VERSION}"
ASSOCIATIONS = f"/crm/associations/{VERSION}"


def read(api: RepApi, kind: str, ids: list[str], properties, id_property: str | None = None) -> list[dict]:
    """Batch read by id (or a unique property); absent ones are simply not in the answer."""
    if not ids:
        return []
    body = {"inputs": [{"id": i} for i in ids], "properties": list(properties)}
    if id_property:
        body["idProperty"] = id_property
    return api.call("POST", f"{OBJECTS}/{kind}/batch/read", body).get("results", [])


def associations(
    api: RepApi, source: str, target: str, ids: list[str]
) -> dict[str, list[tuple[str, list[str]]]]:
    """source id → [(target id, association labels)] in one batch call."""
    if not ids:
        return {}
    path = f"{ASSOCIATIONS}/{source}/{target}/batch/read"
    body = api.call("POST", path, {"inputs": [{"id": i} for i in ids]})
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for result in body.get("results", []):
        out[str(result["from"]["id"])] = [
            (str(t["toObjectId"]), [x["label"] for x in t.get("associationTypes", []) if x.get("label")])
            for t in result.get("to", [])
        ]
    return out
