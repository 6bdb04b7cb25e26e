"""The JSON API under /api/v1 used by the Outlook taskpane."""
