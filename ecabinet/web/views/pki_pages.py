"""What validators fetch without logging in: the platform CA's CRL (``/pki/crl``, DER), named
in every certificate the CA issues (docs/signing.md, "Long-term verification")."""

from __future__ import annotations

from aiohttp import web
from cryptography.hazmat.primitives import serialization

from ...services import revocation
from ..appkeys import services_key

routes = web.RouteTableDef()


@routes.get(revocation.CRL_PATH, name="pki_crl")
async def crl(request: web.Request) -> web.StreamResponse:
    found = await revocation.current_crl(request.app[services_key])
    return web.Response(
        body=found.public_bytes(serialization.Encoding.DER),
        content_type="application/pkix-crl",
        headers={"Cache-Control": "no-cache"},
    )
