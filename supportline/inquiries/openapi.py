"""The inquiry endpoints in the OpenAPI document; the record schema is the canonical one."""

from __future__ import annotations

from supportline.inquiries.canonical import schema
from supportline.inquiries.search import Filters

IDEMPOTENCY_DESCRIPTION = (
    "Skicka rubriken Idempotency-Key (1–100 synliga ASCII-tecken, till exempel ett nytt UUID per ärende) "
    "så kan du skicka om samma begäran efter ett fel eller ett uteblivet svar utan att ärendet sparas två "
    "gånger. Första gången sparas ärendet (201). En upprepning med samma nyckel från samma konto och samma "
    "innehåll sparar inget nytt utan svarar 200 med ärendet som redan finns, samma id, och rubriken "
    "Idempotent-Replayed: true. Samma nyckel med annat innehåll ger 422. Nyckeln gäller per konto och "
    "sparas med ärendet utan tidsgräns. Vid 503 (databasen tillfälligt otillgänglig) står rubriken "
    "Retry-After: försök igen med samma nyckel."
)


CONFIRMED_NUMBERS_DESCRIPTION = (
    "Ett nummer som är ett datum följt av fyra siffror men inte klarar kontrollsiffran ger 422 med "
    "\"ser ut som ett personnummer\". Är det inte ett personnummer, skicka dess siffror i "
    "confirmed_numbers (en lista med strängar; sparas inte). Ett giltigt personnummer nekas alltid.")


REPLY_DESCRIPTION = (
    "Svaret kontrolleras av integritetskontrollen som all ärendetext: personnummer, e-postadresser och "
    "telefonnummer ger 422. articles är adresser (slug) till publicerade, publika artiklar, som "
    "frågeställaren ser som länkar. Har frågeställaren lämnat en e-postadress skickas ett meddelande utan "
    "innehåll med en länk. Ett ärende med en annan kanal än web ger 422.")
REPLY_BODY = {"type": "object", "required": ["text"], "additionalProperties": False, "properties": {
    "text": {"type": "string", "minLength": 1, "maxLength": 20000},
    "articles": {"type": "array", "maxItems": 10, "items": {"type": "string"}}}}


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
    idempotency_param = {"name": "Idempotency-Key", "in": "header", "required": False,
                         "description": "Valfri nyckel, unik per ärende du registrerar (till exempel ett UUID).",
                         "schema": {"type": "string", "minLength": 1, "maxLength": 100,
                                    "pattern": "^[\\x21-\\x7e]+$"}}
    id_param = {"name": "inquiry_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    listing = {"type": "object", "properties": {
        "total": {"type": "integer", "description": "Matching inquiries; when total_exact is false, at least this many "
                  "(counting stops at 1,000)."},
        "total_exact": {"type": "boolean"},
        "page": {"type": "integer"},
        "pages": {"type": "integer", "description": "Pages; when total_exact is false, the pages known to exist."},
        "has_next": {"type": "boolean"},
        "items": {"type": "array", "items": {"type": "object"}}}}
    return {
        "/api/v1/inquiries": {
            "get": {"summary": "Lista och sök ärenden (handläggare, samordnare)", "security": security,
                    "parameters": list_params,
                    "responses": {"200": {"description": "En sida ärenden",
                                          "content": {"application/json": {"schema": listing}}},
                                  "401": error, "403": error, "422": invalid}},
            "post": {"summary": "Registrera ett ärende (handläggare)", "security": security,
                     "description": IDEMPOTENCY_DESCRIPTION + " " + CONFIRMED_NUMBERS_DESCRIPTION,
                     "parameters": [idempotency_param],
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/Inquiry"}}}},
                     "responses": {"201": _json("#/components/schemas/Inquiry", "Det sparade ärendet"),
                                   "200": _json("#/components/schemas/Inquiry",
                                                "Upprepning med samma Idempotency-Key: ärendet som redan "
                                                "sparades (rubriken Idempotent-Replayed: true)"),
                                   "400": invalid, "401": error, "403": error,
                                   "409": _json("#/components/schemas/Error",
                                                "Installationen har lämnat över linjen till NCK och tar inte "
                                                "emot nya ärenden; meddelandet säger var linjen finns"),
                                   "422": _json("#/components/schemas/ValidationErrors",
                                                "Ogiltiga uppgifter, eller en Idempotency-Key som redan "
                                                "använts med andra uppgifter"),
                                   "503": _json("#/components/schemas/Error",
                                                "Databasen svarar inte just nu; försök igen med samma "
                                                "Idempotency-Key efter Retry-After sekunder")}},
        },
        "/api/v1/inquiries/{inquiry_id}": {
            "get": {"summary": "Ett ärende med tidslinje (läsningen loggas)", "security": security,
                    "parameters": [id_param],
                    "responses": {"200": _json("#/components/schemas/Inquiry", "Ärendet"), "401": error,
                                  "403": error, "404": error}},
            "patch": {"summary": "Ändra ett ärende; ange version, annars 409 vid samtidig ändring",
                      "description": CONFIRMED_NUMBERS_DESCRIPTION,
                      "security": security, "parameters": [id_param],
                      "requestBody": {"required": True, "content": {"application/json": {"schema": {
                          "type": "object", "required": ["version"]}}}},
                      "responses": {"200": _json("#/components/schemas/Inquiry", "Det ändrade ärendet"),
                                    "401": error, "403": error, "404": error,
                                    "409": {"description": "Ärendet har ändrats sedan versionen: `current` är det "
                                            "sparade ärendet, `conflicts` de skickade fälten som någon annan "
                                            "har ändrat till ett annat värde (field, label, changed_by, "
                                            "changed_at)",
                                            "content": {"application/json": {"schema": {"type": "object"}}}},
                                    "422": invalid}},
        },
        "/api/v1/inquiries/{inquiry_id}/replies": {
            "post": {"summary": "Svara på en skriftlig fråga (kanal web); svaret läses på frågeställarens länk",
                     "description": REPLY_DESCRIPTION, "security": security, "parameters": [id_param],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": REPLY_BODY}}},
                     "responses": {"201": _json("#/components/schemas/Inquiry",
                                                "Ärendet, vars tidslinje slutar med svaret (kind reply)"),
                                   "400": error, "401": error, "403": error, "404": error,
                                   "409": _json("#/components/schemas/Error", "Ärendet är avidentifierat"),
                                   "422": invalid}},
        },
    }, {"Inquiry": record}
