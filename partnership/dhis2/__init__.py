"""DHIS2 export: the dashboard's indicators by station and period, sent to a national DHIS2."""
