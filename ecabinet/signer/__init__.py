"""The signing agent (issue 18): a small program on the signer's own computer that signs with the
key on their USB token through PKCS#11, for the e-Cabinet page open in their browser, and only
after the signer confirmed on the agent what is being signed.

``python -m ecabinet.signer --module /usr/lib/softhsm/libsofthsm2.so --token "Bộ trưởng"
--origin https://ecabinet.example.gov.vn`` — see ``docs/signing.md``. The agent holds no state:
the token keeps the key (it never leaves it), the server keeps the prepared revision."""
