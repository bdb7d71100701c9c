"""Every door needs a key: API tokens, roles, and the checks of Host and Origin.

    request ──▶ Gatekeeper: Host/Origin (403), token (401) ──▶ route: role (403)
"""
