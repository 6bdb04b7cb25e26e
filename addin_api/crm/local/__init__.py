"""The embedded CRM: a real SQL database behind the CRM port, the default backend."""
