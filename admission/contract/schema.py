"""JSON Schema of the application contract, generated from the model plus the rule book's lists."""

from __future__ import annotations

from typing import Any

from admission.contract.application import Application
from admission.rules.rulebook import Rulebook


def application_schema(rulebook: Rulebook) -> dict[str, Any]:
    schema = Application.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "申请材料（application.md，第 1 版）"
    properties = schema["properties"]
    properties["type"] = {"enum": rulebook.types, "title": "项目类型"}
    properties["district"] = {"enum": rulebook.districts, "title": "所在区域"}
    defs = schema.get("$defs", {})
    if "Industry" in defs:
        defs["Industry"]["properties"]["chain"] = {"anyOf": [{"enum": rulebook.key_chains}, {"type": "null"}], "default": None}
    if "Land" in defs:
        defs["Land"]["oneOf"] = [{"required": ["area_mu"]}, {"required": ["area_m2"]}]
    schema["allOf"] = [
        {
            "if": {"properties": {"type": {"const": "industrial_real_estate"}}},
            "then": {"required": ["real_estate"]},
            "else": {"not": {"required": ["real_estate"]}},
        }
    ]
    return schema
