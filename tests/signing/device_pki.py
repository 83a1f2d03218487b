"""A CA for signers' own keys (the "national" CA of the tests): ECDSA P-256, certificates that
name its CRL on a loopback HTTP server (``/crl``, made on request from the revoked serials) or
its OCSP responder (``/ocsp``, answering from the same serials), and an RFC 3161 TSA beside it.
The keys it certifies live elsewhere (SoftHSM2, or a test's memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from ecabinet.services import pki


@dataclass
class DeviceCa:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    now: datetime
    crl_url: str = ""
    ocsp_url: str = ""
    revoked: set[int] = field(default_factory=set)
    issued: dict[int, x509.Certificate] = field(default_factory=dict)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def create(cls, now: datetime, name: str = "Ban Cơ yếu thử nghiệm Root CA") -> DeviceCa:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=30))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key, now)

    def issue(
        self,
        public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
        full_name: str,
        *,
        not_before: datetime | None = None,
        days: float = 365,
        non_repudiation: bool = True,
        with_crl: bool = True,
        with_ocsp: bool = False,
    ) -> x509.Certificate:
        start = not_before or self.now - timedelta(days=1)
        builder = (
            x509.CertificateBuilder()
            .subject_name(pki.subject_name(full_name, "Thành viên", "Bộ Y tế"))
            .issuer_name(self.cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    True, non_repudiation, False, False, False, False, False, False, False
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if with_crl and self.crl_url:
            point = x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(self.crl_url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        if with_ocsp and self.ocsp_url:
            access = x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier(self.ocsp_url),
            )
            builder = builder.add_extension(
                x509.AuthorityInformationAccess([access]), critical=False
            )
        cert = builder.sign(self.key, hashes.SHA256())
        self.issued[cert.serial_number] = cert
        return cert

    def ocsp(self, der: bytes) -> bytes:
        """The responder's answer (signed by the CA itself) to an OCSP request."""
        query = ocsp.load_der_ocsp_request(der)
        cert = self.issued.get(query.serial_number)
        if cert is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        revoked = query.serial_number in self.revoked
        wall = datetime.now(UTC)
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=cert,
                issuer=self.cert,
                algorithm=query.hash_algorithm,
                cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
                # valid at the tests' frozen clock (the server's check) and by the wall clock
                # (pdfsig asks the responder itself, now)
                this_update=min(self.now, wall) - timedelta(minutes=5),
                next_update=max(self.now, wall) + timedelta(days=1),
                revocation_time=self.now - timedelta(minutes=30) if revoked else None,
                revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.cert)
        )
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def crl(self) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(self.now - timedelta(hours=1))
            .next_update(self.now + timedelta(days=7))
            .add_extension(x509.CRLNumber(1 + len(self.revoked)), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        for serial in sorted(self.revoked):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(self.now - timedelta(minutes=30))
                .build()
            )
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


async def serve(aiohttp_server, ca: DeviceCa, tsa=None) -> DeviceCa:
    """Serve the CA's CRL (and, given pyHanko's DummyTimeStamper, an RFC 3161 TSA) on loopback;
    the CA's certificates name that CRL from then on."""
    from asn1crypto import tsp

    async def crl(_request: web.Request) -> web.Response:
        return web.Response(body=ca.crl(), content_type="application/pkix-crl")

    async def stamp(request: web.Request) -> web.Response:
        query = tsp.TimeStampReq.load(await request.read())
        reply = await tsa.async_request_tsa_response(query)
        return web.Response(body=reply.dump(), content_type="application/timestamp-reply")

    app = web.Application()

    async def status(request: web.Request) -> web.Response:
        return web.Response(
            body=ca.ocsp(await request.read()), content_type="application/ocsp-response"
        )

    app.router.add_get("/crl", crl)
    app.router.add_post("/ocsp", status)
    app.router.add_post("/tsa", stamp)
    server = await aiohttp_server(app)
    ca.crl_url = str(server.make_url("/crl"))
    ca.ocsp_url = str(server.make_url("/ocsp"))
    ca.tsa_url = str(server.make_url("/tsa"))  # type: ignore[attr-defined]
    return ca
