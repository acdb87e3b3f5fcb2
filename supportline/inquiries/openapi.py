"""The inquiry endpoints in the OpenAPI document; the record schema is the canonical one."""

from __future__ import annotations

from supportline.inquiries.canonical import schema
from supportline.inquiries.search import Filters


def _json(ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def paths() -> tuple[dict, dict]:
    record = {k: v for k, v in schema().items() if k not in ("$schema", "$id")}
    error = _json("#/components/schemas/Error", "Fel")
    invalid = _json("#/components/schemas/ValidationErrors", "Ogiltiga uppgifter, ett meddelande per fält")
    security = [{"bearer": []}]
    filter_names = [name for name in getattr(Filters, "__dataclass_fields__", {}) if name != "errors"]
    list_params = [{"name": name, "in": "query", "schema": {"type": "string"}} for name in filter_names]
    list_params.append({"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}})
    id_param = {"name": "inquiry_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    listing = {"type": "object", "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "pages": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object"}}}}
    return {
        "/api/v1/inquiries": {
            "get": {"summary": "Lista och sök ärenden (handläggare, samordnare)", "security": security,
                    "parameters": list_params,
                    "responses": {"200": {"description": "En sida ärenden",
                                          "content": {"application/json": {"schema": listing}}},
                                  "401": error, "403": error, "422": invalid}},
            "post": {"summary": "Registrera ett ärende (handläggare)", "security": security,
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/Inquiry"}}}},
                     "responses": {"201": _json("#/components/schemas/Inquiry", "Det sparade ärendet"),
                                   "401": error, "403": error, "422": invalid}},
        },
        "/api/v1/inquiries/{inquiry_id}": {
            "get": {"summary": "Ett ärende med tidslinje (läsningen loggas)", "security": security,
                    "parameters": [id_param],
                    "responses": {"200": _json("#/components/schemas/Inquiry", "Ärendet"), "401": error,
                                  "403": error, "404": error}},
            "patch": {"summary": "Ändra ett ärende; ange version, annars 409 vid samtidig ändring",
                      "security": security, "parameters": [id_param],
                      "requestBody": {"required": True, "content": {"application/json": {"schema": {
                          "type": "object", "required": ["version"]}}}},
                      "responses": {"200": _json("#/components/schemas/Inquiry", "Det ändrade ärendet"),
                                    "401": error, "403": error, "404": error, "409": error, "422": invalid}},
        },
    }, {"Inquiry": record}
