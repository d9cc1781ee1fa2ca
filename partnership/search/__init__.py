"""Search across everything: one box in the header, the index behind it (``index``), the
scoped queries (``services``) and the results page (``views``)."""
