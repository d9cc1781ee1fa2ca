"""Views that span domains: the home page and (later) dashboards and programme reports."""
