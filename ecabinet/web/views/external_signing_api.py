"""Signing with a key the server never holds (issue 18): register the token's certificate,
prepare a signature (the server writes the revision and returns what the device signs), and
hand back the device's signature. Used by the signing agent (``python -m ecabinet.signer``)."""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ...errors import ValidationFailed
from ...models import SignerCredential
from ...schemas.signing import (
    CredentialOut,
    DeviceCertificateIn,
    DeviceSignatureIn,
    DeviceSignatureOut,
    SigningRequestOut,
)
from ...services import external_signing, minutes_signing, signing
from ..api import ApiRegistry, ApiRequest

api = ApiRegistry()
TAGS = ("signing",)
R = r"/api/signing/requests/{token:[A-Za-z0-9_-]+}"


def _b64(raw: str, code: str) -> bytes:
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed("Not base64.", code=code) from exc


def _value(raw: bytes, mechanism: str) -> bytes:
    """ECDSA from a PKCS#11 token comes as r||s: the CMS wants DER."""
    if mechanism.startswith("ecdsa") and len(raw) in (64, 96, 132) and raw[0] != 0x30:
        half = len(raw) // 2
        return encode_dss_signature(
            int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        )
    return raw


@api.route(
    "POST",
    "/api/me/signing-certificate/device",
    summary="Sign from now on with the key on my own token (register its certificate; no key)",
    body=DeviceCertificateIn,
    response=CredentialOut,
    status=201,
    tags=TAGS,
)
async def register_device(req: ApiRequest) -> SignerCredential:
    return await external_signing.register_certificate(
        req.services, req.actor, req.body.certificate_pem, req.body.chain_pem
    )


def _out(view: external_signing.RequestView) -> SigningRequestOut:
    return SigningRequestOut(**view.__dict__)


@api.route(
    "POST",
    r"/api/minutes/{id:\d+}/sign/device",
    summary="Prepare my signature on the minutes for my own device (when it is my turn)",
    response=SigningRequestOut,
    status=201,
    tags=TAGS,
)
async def prepare_minutes(req: ApiRequest) -> SigningRequestOut:
    return _out(await minutes_signing.prepare_external(req.services, req.actor, req.id()))


@api.route(
    "POST",
    r"/api/signing/documents/{id:\d+}/device",
    summary="Prepare my signature on a document for my own device (when it is my turn)",
    response=SigningRequestOut,
    status=201,
    tags=TAGS,
)
async def prepare_document(req: ApiRequest) -> SigningRequestOut:
    return _out(await external_signing.prepare(req.services, req.actor, req.id()))


@api.route(
    "GET",
    R,
    summary="A prepared signing request (mine only): what is being signed",
    response=SigningRequestOut,
    tags=TAGS,
)
async def get_request(req: ApiRequest) -> SigningRequestOut:
    token = req.request.match_info["token"]
    return _out(await external_signing.get_request(req.services, req.actor, token))


@api.route(
    "POST",
    f"{R}/signature",
    summary="Hand back my device's signature; validated before anything is stored",
    body=DeviceSignatureIn,
    response=DeviceSignatureOut,
    tags=TAGS,
)
async def complete(req: ApiRequest) -> DeviceSignatureOut:
    svc, actor = req.services, req.actor
    token = req.request.match_info["token"]
    view = await external_signing.get_request(svc, actor, token)
    signature = cms_der = None
    if req.body.signature_base64:
        signature = _value(_b64(req.body.signature_base64, "signature_unreadable"), view.mechanism)
    if req.body.cms_base64:
        cms_der = _b64(req.body.cms_base64, "cms_unreadable")
    if view.subject_type == minutes_signing.SUBJECT:
        if view.meeting_id is None:
            raise ValidationFailed("The minutes are gone.", code="signing_request_stale")
        minutes_id = await minutes_signing.minutes_of_version(svc, int(view.subject_id))
        await minutes_signing.complete_external(
            svc, actor, minutes_id, token, signature=signature, cms_der=cms_der
        )
    else:
        await external_signing.complete(svc, actor, token, signature=signature, cms_der=cms_der)
    doc = await signing.get_document(svc, actor, view.document_id)
    return DeviceSignatureOut(
        document_id=doc.id,
        subject_type=doc.subject_type,
        subject_id=doc.subject_id,
        position=view.position,
        signed_count=doc.signed_count,
        complete=doc.signed_count == len(doc.signer_ids),
        pdf_sha256=doc.pdf_sha256,
    )
