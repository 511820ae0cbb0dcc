"""The API docs as one server-rendered HTML page: no script, no CDN, readable offline."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:1px solid #ccc;margin-top:2.5rem}
.op{margin:1.2rem 0;padding:.6rem 1rem;border-left:4px solid #4a7}
.m{font-weight:bold;text-transform:uppercase;margin-right:.5rem}
code{background:#f4f4f4;padding:0 .2rem}
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
"""


def _type_of(schema: dict[str, Any]) -> str:
    """A short human name for a JSON schema: ``integer``, ``string``, ``Substitute[]`` ..."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_of(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return _type_of(schema.get("items", {})) + "[]"
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    return str(schema.get("type", "object"))


def _bounds(schema: dict[str, Any]) -> str:
    parts = []
    for key, sign in (
        ("minimum", "≥"),
        ("maximum", "≤"),
        ("minLength", "length ≥"),
        ("maxLength", "length ≤"),
    ):
        if key in schema:
            parts.append(f"{sign} {schema[key]}")
    if "default" in schema and schema["default"] is not None:
        parts.append(f"default {schema['default']}")
    return ", ".join(parts)


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    rows = []
    for p in op.get("parameters", []):
        schema = p.get("schema", {})
        rows.append(
            Markup("<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
                p["name"],
                p.get("in", ""),
                _type_of(schema),
                "yes" if p.get("required") else "",
                _bounds(schema),
            )
        )
    params = (
        Markup("<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th>limits</th></tr>")
        + Markup("").join(rows)
        + Markup("</table>")
        if rows
        else ""
    )
    body = ""
    content = op.get("requestBody", {}).get("content", {})
    if content:
        media, spec = next(iter(content.items()))
        body = Markup("<p>body ({}): <code>{}</code></p>").format(media, _type_of(spec.get("schema", {})))
    responses = ", ".join(f"{code} {r.get('description', '')}" for code, r in op.get("responses", {}).items())
    scope = op.get("x-scope")
    return str(
        Markup(
            '<div class="op"><div><span class="m">{}</span><code>{}</code> {}</div><p>{}</p>'
            "<p>scope: <code>{}</code></p>{}{}<p>responses: {}</p></div>"
        ).format(
            method,
            path,
            op.get("summary", ""),
            op.get("description", ""),
            scope or "none",
            params,
            body,
            responses,
        )
    )


def _schema(name: str, schema: dict[str, Any]) -> str:
    rows = [
        Markup("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>").format(
            field, _type_of(sub), sub.get("description", "")
        )
        for field, sub in schema.get("properties", {}).items()
    ]
    return str(
        Markup(
            '<h3 id="{}">{}</h3><p>{}</p><table><tr><th>field</th><th>type</th><th>meaning</th></tr>'
        ).format(name, name, schema.get("description", ""))
        + Markup("").join(rows)
        + Markup("</table>")
    )


def render_docs(document: dict[str, Any]) -> str:
    """The whole page for ``document`` (an OpenAPI 3 dict); every value is escaped."""
    info = document.get("info", {})
    ops = [
        _operation(path, method, op)
        for path, methods in sorted(document.get("paths", {}).items())
        for method, op in methods.items()
    ]
    schemas = [_schema(n, s) for n, s in sorted(document.get("components", {}).get("schemas", {}).items())]
    head = Markup(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{} API</title><style>{}</style></head>"
        "<body><h1>{} API {}</h1><p>{}</p><p>The machine-readable document: "
        '<a href="/openapi.json">/openapi.json</a>.</p><h2>Operations</h2>'
    ).format(
        info.get("title", ""),
        Markup(_STYLE),
        info.get("title", ""),
        info.get("version", ""),
        info.get("description", ""),
    )
    return str(head) + "".join(ops) + "<h2>Schemas</h2>" + "".join(schemas) + "</body></html>"
