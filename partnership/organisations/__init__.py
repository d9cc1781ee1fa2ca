"""Organisations (NGOs, police commands and stations, services, ...), people and postings."""
