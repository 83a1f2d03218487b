"""Request and response shapes (pydantic). The web layer parses into these, services accept them,
and the OpenAPI document is generated from them: one definition, three uses."""
