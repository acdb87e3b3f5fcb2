"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

import knowledge

ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "status": {"type": "integer"}, "title": {"type": "string"}, "message": {"type": "string"}}}}}
VALIDATION = {"type": "object", "required": ["errors"], "properties": {
    "errors": {"type": "object", "additionalProperties": {"type": "string"}}}}
SOURCE = {"type": "object", "required": ["publisher", "title"], "properties": {
    "publisher": {"type": "string"}, "title": {"type": "string"},
    "year": {"type": ["integer", "null"]}, "url": {"type": ["string", "null"]}}}
ARTICLE = {"type": "object", "required": ["slug", "title", "summary", "sources", "reviewed_on"], "properties": {
    "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
    "body_markdown": {"type": "string"}, "body_html": {"type": "string"},
    "topics": {"type": "array", "items": {"enum": list(knowledge.TOPICS)}},
    "audiences": {"type": "array", "items": {"enum": list(knowledge.AUDIENCES)}},
    "visibility": {"enum": ["public", "internal"]}, "sources": {"type": "array", "items": SOURCE},
    "reviewed_on": {"type": ["string", "null"], "format": "date"}, "reviewed_by": {"type": ["string", "null"]},
    "in_force_since": {"type": ["string", "null"], "format": "date"},
    "url": {"type": "string"}}}
SEARCH = {"type": "object", "required": ["query", "total", "page", "pages", "hits", "facets"], "properties": {
    "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
    "pages": {"type": "integer"}, "suggestion": {"type": ["string", "null"]},
    "facets": {"type": "object", "properties": {
        "topics": {"type": "object", "additionalProperties": {"type": "integer"}},
        "audiences": {"type": "object", "additionalProperties": {"type": "integer"}}}},
    "hits": {"type": "array", "items": {"type": "object", "required": ["slug", "title"], "properties": {
        "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
        "snippet_html": {"type": "string"}, "url": {"type": "string"}}}}}}


# Every call under /api/v1 counts against a limit per client address (supportline/ratelimit.py).
RATE_LIMITED = {
    "description": "För många förfrågningar från samma adress. Vänta så många sekunder som Retry-After anger.",
    "headers": {"Retry-After": {"description": "Sekunder att vänta", "schema": {"type": "integer", "minimum": 1}}},
    "content": {"application/json": {"schema": ERROR}},
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# Other areas add their paths and schemas here (see register_paths).
_EXTRA_PATHS: dict = {}
_EXTRA_SCHEMAS: dict = {}


def register_paths(paths: dict, schemas: dict | None = None) -> None:
    _EXTRA_PATHS.update(paths)
    _EXTRA_SCHEMAS.update(schemas or {})


def document(version: str) -> dict:
    paths = {
        "/api/v1/search": {"get": {
            "summary": "Sök i kunskapsbanken (publik)",
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 2000}},
                {"name": "topic", "in": "query", "schema": {"enum": list(knowledge.TOPICS)}},
                {"name": "audience", "in": "query", "schema": {"enum": list(knowledge.AUDIENCES)}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
            ],
            "responses": {"200": _json(SEARCH, "Sökresultat"), "422": _json(VALIDATION, "Felaktig parameter")},
        }},
        "/api/v1/articles/{slug}": {"get": {
            "summary": "En publicerad artikel (publik)",
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _json(ARTICLE, "Artikeln"), "404": _json(ERROR, "Finns inte")},
        }},
        "/api/v1/me": {"get": {
            "summary": "Vem token eller sessionen tillhör", "security": [{"bearer": []}],
            "responses": {"200": _json({"type": "object", "properties": {
                "email": {"type": "string"}, "role": {"type": "string"}}}, "Användaren"),
                "401": _json(ERROR, "Inte inloggad")},
        }},
        **_EXTRA_PATHS,
    }
    paths = {path: {method: {**operation, "responses": {**operation.get("responses", {}), "429": RATE_LIMITED}}
                    for method, operation in operations.items()}
             for path, operations in paths.items()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Supportline API", "version": version,
                 "description": "Sökning i kunskapsbanken (publik) och ärenden (personal, Bearer-token)."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Article": ARTICLE, "SearchResults": SEARCH, "Error": ERROR,
                                   "ValidationErrors": VALIDATION, **_EXTRA_SCHEMAS}},
        "paths": paths,
    }
