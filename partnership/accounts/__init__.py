"""User accounts, sessions, sign-in throttling and the admin pages that manage them."""
