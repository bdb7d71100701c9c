"""GraphQL object types, one module per noun; field names follow Knitfab's JSON (camelCase)."""
