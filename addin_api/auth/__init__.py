"""Sign-in at the edge: identity-provider tokens in, a `Principal` out (Entra, demo IdP)."""
